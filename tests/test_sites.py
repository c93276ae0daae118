import pytest

from ingest.sites import SiteProfile, SitesError, load_sites


def write(tmp_path, text):
    p = tmp_path / "sites.toml"
    p.write_text(text)
    return p


def test_shipped_sites_file_is_valid():
    from pathlib import Path

    profiles = load_sites(Path(__file__).resolve().parent.parent / "sites.toml")
    assert len(profiles) >= 3
    assert all(p.hosts for p in profiles.values())


@pytest.mark.parametrize("body,fix", [
    ("[sites.x]\nfeeds = []\n", "add start_urls"),
    ("[sites.x]\nstart_urls = ['ftp://x']\n", "http(s) URL"),
    ("[sites.x]\nstart_urls = 'https://x.com/'\ntimezone = 'Mars/Base'\n", "IANA name"),
    ("[sites.x]\nstart_urls = ['https://x.com/']\nallow = ['(']\n", "not a valid regular"),
    ("[sites.x]\nstart_urls = ['https://x.com/']\nstart_url = 'y'\n", "unknown key"),
    ("[sites.x]\nstart_urls = ['https://x.com/']\n[sites.x.selectors]\nauthor = 'a'\n",
     "fields that take selectors"),
    ("x = 1\n", "no sites"),
    ("[sites.x\n", "not valid TOML"),
])
def test_errors_name_the_fix(tmp_path, body, fix):
    with pytest.raises(SitesError) as err:
        load_sites(write(tmp_path, body))
    assert fix in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(SitesError, match="file not found"):
        load_sites(tmp_path / "nope.toml")


def test_adhoc_profile_stays_on_host():
    p = SiteProfile.adhoc("http://127.0.0.1:8123/")
    assert p.hosts == ["127.0.0.1"]
    assert p.start_urls == ["http://127.0.0.1:8123/"]
