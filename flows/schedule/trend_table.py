"""The run history as a rich table: one row per rule, one column per run (`boilerclean history`)."""

from __future__ import annotations


def history_table(runs: list[dict]):
    """A rich table: one row per rule, one column per run (hits per file, hits), newest last."""
    from rich.table import Table
    from rich.text import Text

    from ..terminal_text import printable

    table = Table(title="hits per file by rule (hits), oldest run first", show_lines=False)
    table.add_column("rule", style="bold", no_wrap=True)
    for r in runs:
        table.add_column(
            printable(f"{r.get('time', '?')[5:16].replace('T', ' ')}") + f"\n{r.get('files', 0)} files",
            justify="right",
        )
    table.add_row(
        "(files new/changed/unchanged/gone)",
        *[
            printable(
                f"{r.get('new', '-')}/{r.get('changed', '-')}/{r.get('unchanged', '-')}/{r.get('gone', '-')}"
            )
            for r in runs
        ],
    )
    rules = sorted({rule for r in runs for rule in r["by_rule"]})
    for rule in rules:
        cells = []
        for r in runs:
            files, hits = r.get("files", 0), r["by_rule"].get(rule, 0)
            cell = f"{hits / files:.2f} ({hits})" if files else "-"
            if rule in r.get("alerts", []):
                cell = f"[red]! {cell}[/red]"
            cells.append(cell)
        table.add_row(Text(printable(rule)), *cells)  # Text: a rule name is never read as markup
    return table
