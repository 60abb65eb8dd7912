import io
import os
import signal
import stat

import pytest

from bbmigrate import jsonio
from bbmigrate.errors import InputError, OutputError
from bbmigrate.jsonio import (
    MAX_DEPTH,
    atomic_writer,
    dumps,
    iter_ndjson,
    loads,
    open_input,
    read_json,
    read_stream,
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


def _nested_lists(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def test_depth_up_to_the_limit_is_read_and_one_more_is_refused():
    assert loads(_nested_lists(MAX_DEPTH), where="x.json") is not None
    with pytest.raises(InputError, match=rf"^x\.json: JSON nested deeper than {MAX_DEPTH} levels$"):
        loads(_nested_lists(MAX_DEPTH + 1), where="x.json")
    # past orjson's own parse limit the message is still one line naming the file
    with pytest.raises(InputError, match=r"^x\.json: invalid JSON"):
        loads(_nested_lists(5000), where="x.json")


def test_deep_ndjson_line_names_its_line():
    stream = io.BytesIO(b"[]\n" + _nested_lists(MAX_DEPTH + 1) + b"\n")
    with pytest.raises(InputError, match=r"^in\.ndjson:2: JSON nested deeper"):
        list(iter_ndjson(stream, where="in.ndjson"))


def test_dangling_symlink_says_so(tmp_path):
    link = tmp_path / "gone.json"
    link.symlink_to(tmp_path / "missing.json")
    with pytest.raises(InputError, match=r"gone\.json: dangling symlink to .*missing\.json$"):
        read_json(link)
    with pytest.raises(InputError, match="dangling symlink"):
        open_input(link)


def test_a_read_error_while_streaming_is_an_input_error():
    class Broken(io.BytesIO):
        def read(self, *args):
            raise OSError(5, "Input/output error")

        def __iter__(self):
            raise OSError(5, "Input/output error")

    with pytest.raises(InputError, match=r"^f\.json: Input/output error$"):
        read_stream(Broken(), where="f.json")
    with pytest.raises(InputError, match=r"^f\.ndjson: Input/output error$"):
        list(iter_ndjson(Broken(), where="f.ndjson"))


def test_dumps_past_the_writer_limit_is_an_output_error():
    deep: list = []
    for _ in range(300):
        deep = [deep]
    with pytest.raises(OutputError, match="cannot write JSON"):
        dumps(deep)


def test_temporary_file_is_registered_only_while_it_exists(tmp_path):
    target = tmp_path / "out.json"
    with atomic_writer(target) as handle:
        (temporary,) = jsonio._LIVE
        assert os.path.dirname(temporary) == str(tmp_path) and os.path.exists(temporary)
        handle.write(b"{}")
    assert not jsonio._LIVE
    assert signal.getsignal(signal.SIGTERM) is jsonio._on_signal
    assert signal.getsignal(signal.SIGHUP) is jsonio._on_signal
