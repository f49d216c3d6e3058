"""The EC2 front end (`/ec2/`) driven by an unmodified boto3 over HTTP: SigV4 verified against
the identity service's EC2 credentials, EC2's error codes, the catalog actions. Requests boto3
would never send (an unknown action, a missing Version, a GET) are signed with botocore's own
SigV4 signer, never by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

import botocore.auth
import httpx
import pytest
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from fastapi.testclient import TestClient

from tests.support.ec2 import ec2_client

NS = "{http://ec2.amazonaws.com/doc/2016-11-15/}"


def code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def signed(url: str, keys: tuple[str, str], body: str = "", method: str = "POST",
           query: str = "") -> httpx.Response:
    """A request signed by botocore's SigV4Auth, sent as is."""
    target = f"{url}/ec2/" + (f"?{query}" if query else "")
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"} if body else {}
    request = AWSRequest(method=method, url=target, data=body, headers=headers)
    botocore.auth.SigV4Auth(Credentials(*keys), "ec2", "RegionOne").add_auth(request)
    return httpx.request(method, target, content=body.encode(), headers=dict(request.headers))


def error_of(response: httpx.Response) -> tuple[int, str, str]:
    root = ElementTree.fromstring(response.content)
    return (response.status_code, root.findtext("Errors/Error/Code") or "",
            root.findtext("RequestID") or "")


def test_describe_regions_signed_by_boto3(ec2: Any, ec2_url: str) -> None:
    regions = ec2.describe_regions()["Regions"]
    assert regions == [{"RegionName": "RegionOne", "Endpoint": "http://testserver/ec2/",
                        "OptInStatus": "opt-in-not-required"}]
    assert ec2.describe_regions(RegionNames=["elsewhere"])["Regions"] == []


def test_unknown_key_bad_secret_and_expired_request(ec2_url: str, ec2_keys: tuple[str, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    access, secret = ec2_keys
    with pytest.raises(ClientError) as unknown:
        ec2_client(ec2_url, "no-such-key", secret).describe_regions()
    assert code(unknown) == "AuthFailure"
    assert unknown.value.response["ResponseMetadata"]["HTTPStatusCode"] == 401
    assert unknown.value.response["ResponseMetadata"]["RequestId"].startswith("req-")
    with pytest.raises(ClientError) as forged:
        ec2_client(ec2_url, access, "not-the-secret").describe_regions()
    assert code(forged) == "SignatureDoesNotMatch"
    stale = datetime.now(UTC) - timedelta(minutes=20)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: stale)
    with pytest.raises(ClientError) as expired:
        ec2_client(ec2_url, access, secret).describe_regions()
    assert code(expired) == "RequestExpired"


def test_unsigned_unknown_action_and_missing_version(ec2_url: str,
                                                     ec2_keys: tuple[str, str]) -> None:
    unsigned = httpx.post(f"{ec2_url}/ec2/", data={"Action": "DescribeRegions",
                                                     "Version": "2016-11-15"})
    assert error_of(unsigned)[:2] == (401, "MissingAuthenticationToken")
    unknown = signed(ec2_url, ec2_keys, "Action=LaunchRockets&Version=2016-11-15")
    status, kind, request_id = error_of(unknown)
    assert (status, kind) == (400, "InvalidAction") and request_id.startswith("req-")
    assert error_of(signed(ec2_url, ec2_keys, "Action=DescribeRegions"))[:2] == (
        400, "MissingParameter")
    no_values = signed(ec2_url, ec2_keys,
                       "Action=DescribeAvailabilityZones&Version=2016-11-15"
                       "&Filter.1.Name=zone-name")
    assert error_of(no_values)[:2] == (400, "MissingParameter")


def test_get_query_form_is_signed_too(ec2_url: str, ec2_keys: tuple[str, str]) -> None:
    response = signed(ec2_url, ec2_keys, method="GET",
                      query="Action=DescribeRegions&Version=2016-11-15&RegionName.1=RegionOne")
    assert response.status_code == 200, response.text
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{NS}DescribeRegionsResponse"
    assert root.findtext(f"{NS}requestId", "").startswith("req-")
    assert root.findtext(f"{NS}regionInfo/{NS}item/{NS}regionName") == "RegionOne"


def test_zones_and_instance_types(ec2: Any) -> None:
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert all(z["RegionName"] == "RegionOne" for z in zones)
    types = {t["InstanceType"]: t for t in ec2.describe_instance_types()["InstanceTypes"]}
    assert types["m1.tiny"]["VCpuInfo"]["DefaultVCpus"] == 1
    assert types["m1.tiny"]["MemoryInfo"]["SizeInMiB"] == 512
    only = ec2.describe_instance_types(InstanceTypes=["m1.small"])["InstanceTypes"]
    assert [t["InstanceType"] for t in only] == ["m1.small"]


def test_catalog_lists_the_ec2_service(client: TestClient, member_a: dict[str, str]) -> None:
    catalog = client.get("/identity/v3/auth/catalog",
                         headers={"X-Auth-Token": member_a["token"]}).json()["catalog"]
    ec2 = [s for s in catalog if s["type"] == "ec2"]
    assert ec2 and ec2[0]["endpoints"][0]["url"] == "http://testserver/ec2"


def test_input_limits_answer_in_ec2_xml(ec2_url: str, client: TestClient) -> None:
    """What the app refuses before any route (api/limits.py) or any method it does not serve
    is EC2's error document under /ec2 too. The oversized body goes in-process: over a socket
    the server may answer and close before the client has sent it all."""
    big = client.post("/ec2/", content=b"Action=DescribeRegions&x=" + b"a" * 200_000,
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
    root = ElementTree.fromstring(big.content)
    assert (big.status_code, root.findtext("Errors/Error/Code")) == (
        413, "RequestEntityTooLarge")
    assert (root.findtext("RequestID") or "").startswith("req-")
    garbled = httpx.post(f"{ec2_url}/ec2/", content=b"Action=\xff\xfe",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert error_of(garbled)[:2] == (400, "InvalidParameterValue")
    wrong_method = httpx.put(f"{ec2_url}/ec2/", content=b"")
    assert (wrong_method.status_code, ElementTree.fromstring(wrong_method.content).findtext(
        "Errors/Error/Code")) == (405, "InvalidAction")
