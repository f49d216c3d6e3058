"""The dashboard in a real browser: Debian's headless chromium driven by selenium through
chromedriver (both installed by `ops/install --test`), against a real `skyledger serve`.

A project member logs in with a Keystone token and sees the project's servers ACTIVE, its quota
usage, "hosts: admin only" (Nova lets only admins read hypervisors), and a server booted through
the API appearing in the event timeline without a reload; the admin sees host capacity bars and
every project's events. A wrong or revoked token puts the login back with its error.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openstack
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.disk_images import tiny_qcow2
from tests.support.server_process import Server

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
WAIT = 20.0  # seconds for the page to show what the API already holds (4 refreshes: a
# parallel test run can slow the server enough that one refresh fails or comes late)
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    for needed in (CHROMIUM, CHROMEDRIVER):
        assert Path(needed).is_file(), f"{needed} is missing: run ops/install --test"
    options = Options()
    options.binary_location = CHROMIUM
    # We run as root in a VM without a display: no sandbox, no GPU, /tmp instead of /dev/shm.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def api(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=30) as client:
        yield client


def password_token(api: httpx.Client, user: str, password: str, project: str) -> str:
    scope = {"project": {"name": project, "domain": {"id": "default"}}}
    auth = {"identity": {"methods": ["password"], "password": {"user": {
        "name": user, "domain": {"id": "default"}, "password": password}}}, "scope": scope}
    response = api.post("/identity/v3/auth/tokens", json={"auth": auth})
    assert response.status_code == 201, response.text
    return response.headers["X-Subject-Token"]


@pytest.fixture(scope="module")
def image_id(conn: openstack.connection.Connection) -> str:
    image = conn.image.create_image(name="dash-guest", data=tiny_qcow2(b"tiny guest image"),
                                    disk_format="qcow2", container_format="bare",
                                    visibility="public", allow_duplicates=True)
    return str(image.id)


@pytest.fixture(scope="module")
def member_token(conn: openstack.connection.Connection, api: httpx.Client) -> str:
    project = conn.identity.create_project(name="dash-project")
    user = conn.identity.create_user(name="dash-member", password="dash-member-pw",
                                     default_project_id=project.id)
    conn.identity.assign_project_role_to_user(project, user,
                                              conn.identity.find_role("member"))
    return password_token(api, "dash-member", "dash-member-pw", "dash-project")


def boot(api: httpx.Client, token: str, name: str, image_id: str) -> str:
    body = {"server": {"name": name, "imageRef": image_id, "flavorRef": "1", "networks": "none"}}
    response = api.post("/compute/v2.1/servers", json=body, headers={"X-Auth-Token": token,
                        "OpenStack-API-Version": "compute 2.37"})
    assert response.status_code == 202, response.text
    return str(response.json()["server"]["id"])


def wait_active(api: httpx.Client, token: str, server_ids: list[str]) -> None:
    deadline = time.monotonic() + 30
    pending = set(server_ids)
    while pending and time.monotonic() < deadline:
        for server_id in list(pending):
            shown = api.get(f"/compute/v2.1/servers/{server_id}",
                            headers={"X-Auth-Token": token}).json()["server"]
            assert shown["status"] != "ERROR", shown
            if shown["status"] == "ACTIVE":
                pending.discard(server_id)
        time.sleep(0.2)
    assert not pending, f"not ACTIVE within 30 s: {pending}"


def until(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str,
          timeout: float = WAIT) -> Any:
    # The page re-renders its tables on every refresh: an element read a moment ago may be gone.
    return WebDriverWait(driver, timeout, poll_frequency=0.1,
                         ignored_exceptions=(StaleElementReferenceException,)).until(
        condition, message=what)


def open_dashboard(driver: WebDriver, server: Server) -> None:
    """The page, logged out. The token is dropped from a page of the same origin that runs no
    script: the dashboard itself, loading with a saved token, would log in and save it again."""
    driver.get(f"{server.url}/dashboard/static/dashboard.css")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{server.url}/dashboard")
    until(driver, lambda d: d.find_element(By.ID, "login").is_displayed(), "the login form")


def log_in(driver: WebDriver, token: str) -> None:
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.ID, "login-button").click()


def server_rows(driver: WebDriver) -> dict[str, str]:
    rows = driver.find_elements(By.CSS_SELECTOR, "#servers tbody tr")
    return {row.find_element(By.CLASS_NAME, "name").text:
            row.find_element(By.CLASS_NAME, "status").text for row in rows}


def timeline_subjects(driver: WebDriver) -> list[str]:
    return [item.text for item in driver.find_elements(By.CSS_SELECTOR, "#timeline .subject")]


def usage(driver: WebDriver, panel: str, resource: str) -> tuple[int, int]:
    found = driver.find_element(By.CSS_SELECTOR, f"#{panel} .usage[data-resource='{resource}']")
    return int(found.get_attribute("data-used")), int(found.get_attribute("data-total"))


def assert_png(path: Path, width: int, height: int) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 10_000, "a PNG with something drawn"
    assert data[12:16] == b"IHDR"
    assert struct.unpack(">II", data[16:24]) == (width, height)


def test_member_sees_servers_quota_and_live_events(
        browser: WebDriver, server: Server, api: httpx.Client, member_token: str,
        conn: openstack.connection.Connection, image_id: str, tmp_path: Path) -> None:
    wait_active(api, member_token, [boot(api, member_token, name, image_id)
                                    for name in ("dash-web", "dash-db")])
    open_dashboard(browser, server)
    log_in(browser, member_token)
    until(browser, lambda d: server_rows(d) == {"dash-web": "ACTIVE", "dash-db": "ACTIVE"},
          "both servers listed ACTIVE")
    assert "dash-member @ dash-project" in browser.find_element(By.ID, "whoami").text
    until(browser, lambda d: d.find_elements(By.ID, "hosts-admin-only"), "hosts: admin only")
    assert browser.find_element(By.ID, "hosts-admin-only").text == "hosts: admin only"
    assert not browser.find_elements(By.CSS_SELECTOR, "#hosts .host")
    assert usage(browser, "quota", "instances") == (2, 10)
    assert usage(browser, "quota", "cores") == (2, 20)
    until(browser, lambda d: {"dash-web", "dash-db"} <= set(timeline_subjects(d)),
          "the boots in the timeline")
    assert "(this project)" in browser.find_element(By.ID, "timeline-scope").text
    assert "(this project)" in browser.find_element(By.ID, "servers-scope").text

    # Live: a marker survives only if the page is not reloaded (that, not a deadline of a poll
    # or two, which a busy machine can miss, is what shows it). Another project's boot first:
    # it must never show, though it lands in the log before the member's next one.
    browser.execute_script("window.stillTheSamePage = true")
    other = conn.compute.create_server(name="dash-admin-vm", image_id=image_id, flavor_id="1",
                                       networks="none")
    started = time.monotonic()
    boot(api, member_token, "dash-live", image_id)
    until(browser, lambda d: "dash-live" in timeline_subjects(d), "dash-live in the timeline")
    print(f"\nboot → timeline: {time.monotonic() - started:.2f} s")
    assert browser.execute_script("return window.stillTheSamePage") is True
    assert "dash-admin-vm" not in timeline_subjects(browser)
    until(browser, lambda d: "dash-live" in server_rows(d), "dash-live in the servers table")
    until(browser, lambda d: usage(d, "quota", "instances") == (3, 10), "quota counts 3")

    shot = tmp_path / "dashboard-member.png"
    assert browser.save_screenshot(str(shot))
    assert_png(shot, *browser.execute_script("return [window.innerWidth, window.innerHeight]"))
    print(f"screenshot: {shot}")
    conn.compute.delete_server(other)


def test_admin_sees_host_capacity_and_every_project(
        browser: WebDriver, server: Server, conn: openstack.connection.Connection,
        member_token: str, tmp_path: Path) -> None:
    open_dashboard(browser, server)
    log_in(browser, conn.auth_token)
    until(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#hosts .host"), "a host")
    # An admin lists every project's servers (all_tenants), as Nova lets it.
    until(browser, lambda d: {"dash-web", "dash-db", "dash-live"} <= set(server_rows(d)),
          "the member's servers")
    assert "(all projects)" in browser.find_element(By.ID, "servers-scope").text
    hosts = {h.name for h in conn.compute.hypervisors(details=True)}
    shown = browser.find_elements(By.CSS_SELECTOR, "#hosts .host")
    assert {h.get_attribute("data-host") for h in shown} == hosts
    used, total = usage(browser, "hosts", "vcpus")
    assert total > 0 and used >= 3, "the member's three servers run on this one host"
    fill = browser.find_element(By.CSS_SELECTOR, "#hosts .usage[data-resource='vcpus'] .fill")
    assert fill.size["width"] > 0, "the capacity bar is drawn"
    assert not browser.find_elements(By.ID, "hosts-admin-only")
    until(browser, lambda d: "dash-admin-vm" in timeline_subjects(d), "the admin's own boot")
    assert "dash-live" in timeline_subjects(browser), "the member's events too"
    assert "(all projects)" in browser.find_element(By.ID, "timeline-scope").text
    shot = tmp_path / "dashboard-admin.png"
    assert browser.save_screenshot(str(shot))
    assert_png(shot, *browser.execute_script("return [window.innerWidth, window.innerHeight]"))
    print(f"\nscreenshot: {shot}")


def test_wrong_or_revoked_token_shows_the_login_again(
        browser: WebDriver, server: Server, api: httpx.Client, member_token: str) -> None:
    open_dashboard(browser, server)
    log_in(browser, "not-a-token")
    until(browser, lambda d: d.find_element(By.ID, "login-error").text, "a login error")
    assert "Token not accepted" in browser.find_element(By.ID, "login-error").text
    assert not browser.find_element(By.ID, "board").is_displayed()

    token = password_token(api, "dash-member", "dash-member-pw", "dash-project")
    log_in(browser, token)
    until(browser, lambda d: d.find_element(By.ID, "board").is_displayed(), "the board")
    assert browser.execute_script("return sessionStorage.getItem('skyledger-token')") == token
    revoked = api.delete("/identity/v3/auth/tokens",
                         headers={"X-Auth-Token": member_token, "X-Subject-Token": token})
    assert revoked.status_code == 204, revoked.text
    until(browser, lambda d: d.find_element(By.ID, "login").is_displayed(),
          "the login after the token was revoked")
    assert "revoked" in browser.find_element(By.ID, "login-error").text
    assert browser.execute_script("return sessionStorage.getItem('skyledger-token')") is None
