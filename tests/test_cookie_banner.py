"""cookie_banner beyond its cases (tests/cases/cookie_banner): disabling a language, or every banner."""


def test_one_language_can_be_disabled_and_others_still_work():
    from casefiles import CLEANER_NAMES

    from cleaners import clean_text, ruleset_from_mapping

    de = ["consent sentence (de)", "banner title (de)", "banner button (de)"]
    section = {name: {"enabled": name == "cookie_banner"} for name in CLEANER_NAMES}
    section["cookie_banner"]["disable_rules"] = de
    rs = ruleset_from_mapping({"cleaners": section}, "<test>")
    names = {r.name for r in rs.spec("cookie_banner").rules}
    assert not names & set(de) and "banner button (fr)" in names
    text = "Cookie-Einstellungen\nAlle akzeptieren\nGestion des cookies\nTout accepter\n"
    removed = [r.text.strip() for r in clean_text(text, rs).acting]
    assert removed == ["Gestion des cookies", "Tout accepter"]


def test_disabling_every_banner_line_takes_the_buttons_with_them():
    from casefiles import CLEANER_NAMES

    from cleaners import load_ruleset, ruleset_from_mapping

    anchors = [r.name for r in load_ruleset().spec("cookie_banner").rules if not r.near]
    section = {name: {"enabled": name == "cookie_banner"} for name in CLEANER_NAMES}
    section["cookie_banner"]["disable_rules"] = anchors
    rs = ruleset_from_mapping({"cleaners": section}, "<test>")
    assert rs.spec("cookie_banner").rules == ()  # a button rule with no anchor left would fire anywhere
