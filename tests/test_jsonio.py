import io
import os
import stat

import pytest

from bbmigrate.errors import InputError, OutputError
from bbmigrate.jsonio import (
    atomic_writer,
    iter_ndjson,
    loads,
    read_json,
    shared_mode,
    write_json_atomic,
)


def test_invalid_json_names_file_and_position(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{\n  "resourceType": "Patient",\n  "id": }\n')
    with pytest.raises(InputError) as err:
        read_json(bad)
    message = str(err.value)
    assert message.startswith(str(bad) + ": invalid JSON at line 3")
    assert "\n" not in message


def test_empty_input_is_an_error():
    with pytest.raises(InputError, match=r"x\.json: empty input"):
        loads(b"  \n", where="x.json")


def test_ndjson_error_names_line_number():
    stream = io.BytesIO(b'{"a": 1}\n\n{"a": 2}\n{"a": \n')
    seen = []
    with pytest.raises(InputError, match=r"^in.ndjson:4: invalid JSON"):
        for number, doc in iter_ndjson(stream, where="in.ndjson"):
            seen.append((number, doc["a"]))
    assert seen == [(1, 1), (3, 2)]


def test_atomic_write_leaves_old_file_on_failure(tmp_path):
    target = tmp_path / "out.json"
    write_json_atomic(target, {"v": 1})
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b'{"v": 2, "half')
        raise RuntimeError("boom")
    assert read_json(target) == {"v": 1}
    assert os.listdir(tmp_path) == ["out.json"]


def test_atomic_write_mode(tmp_path):
    target = tmp_path / "secret.json"
    write_json_atomic(target, {"token": "x"}, mode=0o600)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_atomic_write_is_private_by_default(tmp_path):
    # Outputs that may hold PHI (fetch, mapped data, reports) rely on this default.
    old = os.umask(0o022)
    try:
        write_json_atomic(tmp_path / "report.json", {"name": "x"})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "report.json").stat().st_mode) == 0o600


@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o002, 0o664)])
def test_shared_mode_follows_the_umask(tmp_path, umask, expected):
    old = os.umask(umask)
    try:
        mode = shared_mode()
        write_json_atomic(tmp_path / "table.json", [], mode=mode)
        assert os.umask(umask) == umask  # reading the umask left it as it was
    finally:
        os.umask(old)
    assert mode == expected
    assert stat.S_IMODE((tmp_path / "table.json").stat().st_mode) == expected


def test_atomic_write_over_a_folder_is_an_output_error(tmp_path):
    target = tmp_path / "report.json"
    target.mkdir()
    (target / "keep").write_text("x")
    with pytest.raises(OutputError, match=r"report\.json"):
        write_json_atomic(target, {"v": 1})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]  # no temp file left
    assert (target / "keep").read_text() == "x"
