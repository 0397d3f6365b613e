import pytest

from bot.intel.gazetteer import Gazetteer, GazetteerError


def keys(gz, text, kind):
    return [m.key for m in gz.find(text) if m.kind == kind]


@pytest.mark.parametrize("text", [
    "Kataib Hezbollah fired", "Kata'ib Hizballah fired", "Kata’ib Hezbollah fired", "Kataeb Hezbollah fired",
    "Kataib Hizbullah fired", "the Hezbollah Brigades fired", "officials blamed KH",
])
def test_kataib_hezbollah_variants(gz, text):
    assert keys(gz, text, "group") == ["kataib-hezbollah"]


def test_lebanese_hezbollah_is_not_kataib_hezbollah(gz):
    assert keys(gz, "Hezbollah fired rockets into northern Israel", "group") == ["lebanese-hezbollah"]
    assert keys(gz, "Lebanese Hezbollah said", "group") == ["lebanese-hezbollah"]
    # A bare "Hezbollah" next to the Iraqi group is a short reference to it, not the Lebanese party.
    assert keys(gz, "Kataib Hezbollah denied it. A Hezbollah spokesman said", "group") == ["kataib-hezbollah"]


def test_acronyms_are_case_sensitive(gz):
    assert keys(gz, "the khaki uniforms of the kh unit", "group") == []
    assert keys(gz, "IRI claimed it", "group") == ["islamic-resistance-in-iraq"]


@pytest.mark.parametrize(("text", "key"), [
    ("Ain al-Asad", "ain-al-asad"), ("Ayn al-Asad", "ain-al-asad"), ("Al Asad Airbase", "ain-al-asad"),
    ("Irbil airport", "erbil"), ("Arbil", "erbil"), ("al-Bukamal", "abu-kamal"), ("Rmeilan", "rumalyn"),
    ("Jurf al-Nasr", "jurf-al-sakhar"), ("MSS Euphrates", "al-omar"), ("At Tanf", "al-tanf"), ("Tower 22", "tower-22"),
])
def test_place_variants(gz, text, key):
    assert keys(gz, f"An attack on {text} today", "place") == [key]


def test_longest_match_wins_across_kinds(gz):
    # "drone strike" is a US weapon; the militia "drone" inside it must not also count.
    assert keys(gz, "a drone strike killed him", "weapon") == ["drone-strike"]


def test_lookups_by_alias_and_display_names(gz):
    assert gz.lookup_group("KH").key == "kataib-hezbollah"
    assert gz.lookup_place("Irbil").key == "erbil"
    assert gz.lookup_weapon("Katyusha").key == "rocket"
    assert gz.lookup_place("Atlantis") is None
    assert gz.place_name("ain-al-asad") == "Ain al-Asad"
    assert gz.near("erbil", "harir") and not gz.near("erbil", "al-tanf")


def test_bad_file_names_the_entry(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[[places]]\nkey = "x-base"\nname = "X"\ntype = "castle"\ncountry = "Iraq"\naliases = ["X"]\n')
    with pytest.raises(GazetteerError, match=r"places\[0\] 'x-base'.*type 'castle'"):
        Gazetteer.load(path)
    path.write_text('[[groups]]\nkey = "Bad Key"\nname = "B"\ntype = "militia"\naliases = ["B"]\n')
    with pytest.raises(GazetteerError, match=r"groups\[0\].*slug"):
        Gazetteer.load(path)
    path.write_text('[[groups]]\nkey = "a"\nname = "A"\ntype = "militia"\naliases = ["A"]\nyields_to = ["zz"]\n')
    with pytest.raises(GazetteerError, match="unknown group 'zz'"):
        Gazetteer.load(path)
    path.write_text("not toml [")
    with pytest.raises(GazetteerError, match="not valid TOML"):
        Gazetteer.load(path)


@pytest.mark.parametrize(("text", "key"), [
    ("Rockets hit al-Asad", "ain-al-asad"), ("Attack on Al Asad", "ain-al-asad"),
    ("Drones flew at al-Asad Tuesday night", "ain-al-asad"), ("A drone was downed near Hewlêr", "erbil"),
    ("Militants targeted the K1 base", "k1"), ("Rockets fell near the Omar field", "al-omar"),
    ("Rockets landed near the Kharab al-Jir airstrip", "kharab-al-jir"),
    ("A drone hit Hareer base", "harir"), ("Rockets at the Bashur airfield", "harir"),
    ("Drone at Tal Bidr", "tal-baydar"),
    ("Shelling near Rumailan", "rumalyn"), ("US jets bombed Akashat", "akashat"), ("Drones over Rukban", "rukban"),
    ("Clashes in Tell Tamer", "tal-tamr"), ("A raid near al-Malikiyah", "malikiyah"),
    ("Fighter jets at Muwaffaq Salti air base", "muwaffaq-salti"),
])
def test_more_place_variants(gz, text, key):
    assert keys(gz, text, "place") == [key]


@pytest.mark.parametrize("text", [
    "Bashar al-Asad fled to Moscow", "President al-Asad met envoys", "the former ruler al-Asad",
])
def test_bare_al_asad_is_not_the_syrian_ruler(gz, text):
    assert keys(gz, text, "place") == []


@pytest.mark.parametrize("text", [
    "the Badr militia patrolled", "Badr Organization leaders met", "Badr said it would not take part",
    "Badr's leader spoke", "the Badr Organisation of Reconstruction and Development",
])
def test_badr_variants(gz, text):
    assert keys(gz, text, "group") == ["badr"]


@pytest.mark.parametrize("text", [
    "Egypt's foreign minister Badr Abdelatty visited", "the battle of Badr is remembered", "a badr of light",
    "Abdul-Badr spoke to reporters", "a Badr al-Din mosque",
])
def test_bare_badr_does_not_fire_on_other_names(gz, text):
    assert keys(gz, text, "group") == []


@pytest.mark.parametrize(("name", "kind", "key"), [
    ("Ain al-Asad air base", "place", "ain-al-asad"), ("ain al-asad AIR BASE", "place", "ain-al-asad"),
    ("Erbil air base and airport", "place", "erbil"), ("al-asad", "place", "ain-al-asad"),
    ("Badr", "group", "badr"), ("badr", "group", "badr"), ("Badr Organization", "group", "badr"),
    ("kataib hezbollah", "group", "kataib-hezbollah"), ("Islamic Resistance in Iraq", "group",
                                                          "islamic-resistance-in-iraq"),
])
def test_lookup_accepts_display_names_and_aliases_in_any_case(gz, name, kind, key):
    entry = gz.lookup_place(name) if kind == "place" else gz.lookup_group(name)
    assert entry is not None and entry.key == key
