"""The Python package, driven as a program written for the `kuzu` package would drive it."""

import _thread
import re
import threading
import time
from pathlib import Path

import pytest

import kgraph

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "graphs" / "czech-apt31.cypher"
SAMPLE = ROOT / "graphs" / "attack-sample.stix.json"


@pytest.fixture
def conn():
    return kgraph.Connection(kgraph.Database())


@pytest.fixture
def seed():
    db = kgraph.Database()
    nodes, _ = db.load(SEED)
    assert nodes > 0
    return kgraph.Connection(db)


def test_rows_are_read_one_by_one_or_by_iteration(conn):
    conn.execute("UNWIND range(1, 3) AS i CREATE (:N {i: i, name: 'n' + toString(i)})")
    result = conn.execute("MATCH (n:N) RETURN n.i AS i, n.name AS name ORDER BY i")
    assert result.get_column_names() == ["i", "name"]
    assert result.get_num_tuples() == 3 and len(result) == 3
    assert result.has_next()
    assert result.get_next() == [1, "n1"]
    assert [row for row in result] == [[2, "n2"], [3, "n3"]]
    assert not result.has_next()
    with pytest.raises(IndexError):
        result.get_next()
    result.reset_iterator()
    assert result.get_next() == [1, "n1"]


def test_parameters_are_given_with_each_call(conn):
    row = conn.execute(
        "RETURN $i AS i, $f AS f, $s AS s, $b AS b, $n AS n, $l AS l, $m AS m",
        {"i": 7, "f": 1.5, "s": "APT31", "b": True, "n": None, "l": [1, "x", None], "m": {"k": [1, 2]}},
    ).get_next()
    assert row == [7, 1.5, "APT31", True, None, [1, "x", None], {"k": [1, 2]}]
    assert isinstance(row[3], bool) and isinstance(row[0], int)
    with pytest.raises(kgraph.ParameterMissing) as missing:
        conn.execute("RETURN $absent AS x")
    assert "line 1, column 8" in str(missing.value)
    with pytest.raises(ValueError):
        conn.execute("RETURN $x AS x", {"x": object()})


def test_nodes_and_relationships_come_as_kuzu_shaped_dicts(conn):
    result = conn.execute(
        "CREATE (a:ThreatActor {name: 'APT31'})-[r:`linked-to` {since: 2010}]->(o:Organization {name: 'MSS'}) "
        "RETURN a, r, o"
    )
    a, r, o = result.get_next()
    assert a["_label"] == "ThreatActor" and a["name"] == "APT31" and isinstance(a["_id"], int)
    assert r["_label"] == "linked-to" and r["since"] == 2010
    assert (r["_src"], r["_dst"]) == (a["_id"], o["_id"])
    path = conn.execute("MATCH p = (:ThreatActor)-->() RETURN p").get_next()[0]
    assert [n["name"] for n in path["_nodes"]] == ["APT31", "MSS"]
    assert path["_rels"][0]["_label"] == "linked-to"


def test_errors_are_exceptions_by_kind_with_line_and_column(conn):
    with pytest.raises(kgraph.SyntaxError) as syntax:
        conn.execute("MATCH (n\nRETURN n")
    assert "line 2, column 1" in str(syntax.value)
    assert isinstance(syntax.value, kgraph.Error)
    with pytest.raises(kgraph.SemanticError):
        conn.execute("RETURN nope")
    with pytest.raises(kgraph.ArithmeticError):
        conn.execute("RETURN 1 / 0 AS x")
    with pytest.raises(kgraph.TypeError):
        conn.execute("UNWIND [true] AS t RETURN 1 + t AS x")
    with pytest.raises(kgraph.Error):
        conn.execute("RETURN 1; RETURN 2")


def test_dataframes(conn):
    conn.execute("UNWIND range(0, 999) AS i CREATE (:Host {id: i, up: i % 2 = 0, load: i / 10.0})")
    query = "MATCH (h:Host) RETURN h.id AS id, h.up AS up, h.load AS load ORDER BY id"
    df = conn.execute(query).get_as_df()
    assert list(df.columns) == ["id", "up", "load"] and len(df) == 1000
    assert df["id"].sum() == sum(range(1000)) and df["up"].sum() == 500
    pl = conn.execute(query).get_as_pl()
    assert pl.columns == ["id", "up", "load"] and pl.height == 1000
    assert pl["load"].max() == pytest.approx(99.9)
    empty = conn.execute("MATCH (h:Host) WHERE h.id < 0 RETURN h.id AS id, h.up AS up").get_as_df()
    assert list(empty.columns) == ["id", "up"] and len(empty) == 0
    # Plain columns go through Arrow, the others value by value: both give the rows as they are.
    plain = conn.execute("MATCH (h:Host) RETURN h.id AS id, h.up AS up, h.load AS load, 'x' + h.id AS s ORDER BY id")
    assert plain.get_as_df().values.tolist() == [list(row) for row in plain]
    assert [str(t) for t in plain.get_as_df().dtypes[:3]] == ["int64", "bool", "float64"]
    mixed = conn.execute("MATCH (h:Host) RETURN CASE WHEN h.id < 2 THEN h.id END AS sparse, h AS node ORDER BY h.id LIMIT 3")
    frame = mixed.get_as_df()
    assert frame["sparse"].isna().tolist() == [False, False, True] and frame["sparse"].tolist()[:2] == [0, 1]
    assert frame["node"][0]["_label"] == "Host"
    assert conn.execute("MATCH (h:Host) RETURN h.id AS id ORDER BY id LIMIT 3").get_as_pl()["id"].to_list() == [0, 1, 2]


def test_arrow_tables_typed_by_column_in_batches(conn):
    import pyarrow as pa  # CI installs it: its absence is a failure, not a skip
    conn.execute("UNWIND range(0, 2499) AS i CREATE (:Host {id: i, up: i % 2 = 0, name: 'h' + i})")
    conn.execute("CREATE (:Host {id: 2500})")
    query = """MATCH (h:Host) RETURN h.id AS id, h.up AS up, h.name AS name,
               CASE WHEN h.id % 3 = 0 THEN h.id ELSE h.id / 2.0 END AS mixed, h AS node ORDER BY id"""
    table = conn.execute(query).get_as_arrow(chunk_size=1000)
    assert table.num_rows == 2501 and table.column_names == ["id", "up", "name", "mixed", "node"]
    assert [len(b) for b in table.to_batches()] == [1000, 1000, 501]
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("up").type == pa.bool_()
    assert table.schema.field("name").type == pa.string()
    # Integers among floats become floats; nodes come as their JSON text.
    assert table.schema.field("mixed").type == pa.float64()
    assert table.schema.field("node").type == pa.large_string()
    ids = table.column("id").to_pylist()
    assert ids == list(range(2501))
    assert table.column("up").to_pylist()[:3] == [True, False, True] and table.column("up")[2500].as_py() is None
    assert table.column("name")[7].as_py() == "h7" and table.column("name")[2500].as_py() is None
    assert table.column("mixed")[4].as_py() == 2.0 and table.column("mixed")[3].as_py() == 3.0
    assert '"name":"h7"' in table.column("node")[7].as_py().replace(" ", "")
    empty = conn.execute("MATCH (h:Host) WHERE h.id < 0 RETURN h.id AS id").get_as_arrow()
    assert empty.num_rows == 0 and empty.column_names == ["id"]
    with pytest.raises(ValueError):
        conn.execute("RETURN 1 AS x").get_as_arrow(chunk_size=0)
    # The PyCapsule interface on the result itself: other Arrow consumers take it directly.
    result = conn.execute("MATCH (h:Host) WHERE h.id < 10 RETURN h.id AS id, h.name AS name ORDER BY id")
    assert pa.table(result).column("id").to_pylist() == list(range(10))
    import polars as pl

    assert pl.DataFrame(result)["name"].to_list() == [f"h{i}" for i in range(10)]


def test_networkx(seed):
    g = seed.execute("MATCH p = (:Campaign)-[*1..2]->() RETURN p").get_as_networkx()
    assert g.number_of_nodes() > 2 and g.number_of_edges() >= 2
    campaign = [n for n, data in g.nodes(data=True) if data.get("_label") == "Campaign"]
    assert len(campaign) == 1
    types = {data["_label"] for _, _, data in g.edges(data=True)}
    assert "attributed-to" in types


def test_the_questions_of_graphs_readme_answered_from_python(seed):
    readme = (ROOT / "graphs" / "README.md").read_text()
    blocks = re.findall(r"<!-- graph: (\w+) -->\s*```cypher\n(.*?)```", readme, re.S)
    seed_questions = [q for graph, q in blocks if graph == "seed"]
    assert len(seed_questions) >= 5
    for question in seed_questions:
        assert seed.execute(question).get_num_tuples() > 0, question
    actor = seed.execute(
        "MATCH (c:Campaign)-[r:`attributed-to`]->(actor) RETURN actor.name AS actor, r.confidence AS how"
    ).get_as_df()
    assert actor.to_dict("records") == [{"actor": "APT31", "how": "high"}]
    attack = kgraph.Database()
    attack.load(SAMPLE)
    conn = kgraph.Connection(attack)
    for question in [q for graph, q in blocks if graph == "attack"]:
        conn.execute(question)  # runs on the sample; the full bundle's answers are the Rust tests'


def test_a_directory_database_keeps_what_was_written(tmp_path):
    db = kgraph.Database(tmp_path / "db")
    kgraph.Connection(db).execute("CREATE (:Note {text: 'kept'})")
    del db
    again = kgraph.Connection(kgraph.Database(tmp_path / "db"))
    assert again.execute("MATCH (n:Note) RETURN n.text AS t").get_next() == ["kept"]


def test_read_only_refuses_writes(tmp_path):
    kgraph.Connection(kgraph.Database(tmp_path / "db")).execute("CREATE (:A)")
    import gc

    gc.collect()  # the first Database's lock goes with it
    reader = kgraph.Connection(kgraph.Database(tmp_path / "db", read_only=True))
    assert reader.execute("MATCH (a:A) RETURN count(a) AS n").get_next() == [1]
    with pytest.raises(kgraph.ReadOnlyError):
        reader.execute("CREATE (:B)")


def test_read_only_opens_a_directory_another_database_is_writing(tmp_path):
    writer = kgraph.Connection(kgraph.Database(tmp_path / "db"))
    writer.execute("CREATE (:A {i: 1})")
    with pytest.raises(kgraph.DatabaseError, match="locked by another process"):
        kgraph.Database(tmp_path / "db")
    reader = kgraph.Connection(kgraph.Database(tmp_path / "db", read_only=True))
    assert reader.execute("MATCH (a:A) RETURN count(a)").get_next() == [1]
    writer.execute("CREATE (:A {i: 2})")
    # As the directory was when it was opened; opened again, as it is now.
    assert reader.execute("MATCH (a:A) RETURN count(a)").get_next() == [1]
    again = kgraph.Connection(kgraph.Database(tmp_path / "db", read_only=True))
    assert again.execute("MATCH (a:A) RETURN count(a)").get_next() == [2]
    with pytest.raises(kgraph.ReadOnlyError):
        again.execute("CREATE (:B)")
    with pytest.raises(kgraph.DatabaseError, match="no database there"):
        kgraph.Database(tmp_path / "missing", read_only=True)
    assert not (tmp_path / "missing").exists()


def test_save_and_load_a_snapshot(seed, tmp_path):
    db = kgraph.Database()
    conn = kgraph.Connection(db)
    conn.execute("CREATE (:X {v: 1})-[:R]->(:Y)")
    db.save(tmp_path / "g.kgs")
    other = kgraph.Database()
    assert other.load(tmp_path / "g.kgs") == (2, 1)
    with pytest.raises(kgraph.DatabaseError):
        other.load(tmp_path / "missing.kgs")


def test_ctrl_c_cancels_a_running_query(conn):
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        conn.execute("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b WITH a, b WHERE (a * b) % 7 = 0 RETURN count(*) AS n")
    assert time.monotonic() - started < 30
    # The connection is usable after it.
    assert conn.execute("RETURN 1 AS one").get_next() == [1]


def test_threads_query_one_database_at_once(seed):
    errors = []

    def read():
        try:
            for _ in range(50):
                assert seed.execute("MATCH (n) RETURN count(n) AS n").get_next()[0] > 0
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def count(conn, label):
    return conn.execute(f"MATCH (n:{label}) RETURN count(n) AS n").get_next()[0]


def test_a_transaction_commits_at_the_end_of_its_block(conn):
    with conn.transaction():
        conn.execute("CREATE (:T {i: 1})")
        conn.execute("CREATE (:T {i: 2})")
        assert count(conn, "T") == 2  # its own writes, before the commit
    assert count(conn, "T") == 2


def test_a_transaction_rolls_back_when_its_block_raises(conn):
    conn.execute("CREATE (:Kept)")
    with pytest.raises(RuntimeError):
        with conn.transaction():
            conn.execute("CREATE (:T)")
            conn.execute("MATCH (k:Kept) DELETE k")
            raise RuntimeError("changed my mind")
    assert count(conn, "T") == 0 and count(conn, "Kept") == 1


def test_a_failing_statement_in_a_transaction_is_undone_alone(conn):
    with conn.transaction():
        conn.execute("CREATE (:T {i: 1})")
        with pytest.raises(kgraph.ArithmeticError):
            conn.execute("CREATE (:T {i: 2}) WITH 1 AS one RETURN 1 / 0 AS boom")
        conn.execute("CREATE (:T {i: 3})")
    assert sorted(r[0] for r in conn.execute("MATCH (t:T) RETURN t.i")) == [1, 3]


def test_explicit_commit_and_rollback_and_their_misuse(conn):
    tx = conn.transaction()
    conn.execute("CREATE (:T)")
    tx.rollback()
    assert count(conn, "T") == 0
    with pytest.raises(kgraph.Error, match="committed or rolled back already"):
        tx.commit()
    tx = conn.transaction()
    with pytest.raises(kgraph.Error, match="open on this connection already"):
        conn.transaction()
    conn.execute("CREATE (:T)")
    tx.commit()
    assert count(conn, "T") == 1


def test_kuzu_transaction_statements(conn):
    conn.execute("BEGIN TRANSACTION")
    conn.execute("CREATE (:T)")
    conn.execute("ROLLBACK")
    assert count(conn, "T") == 0
    conn.execute("begin transaction;")
    conn.execute("CREATE (:T)")
    conn.execute("COMMIT")
    assert count(conn, "T") == 1
    with pytest.raises(kgraph.Error, match="committed or rolled back already"):
        conn.execute("COMMIT")
    # Only the whole statement is a transaction command.
    assert conn.execute("RETURN 'COMMIT' AS word").get_next() == ["COMMIT"]


def test_an_unended_transaction_is_rolled_back_when_dropped():
    import gc

    db = kgraph.Database()
    conn = kgraph.Connection(db)
    tx = conn.transaction()
    conn.execute("CREATE (:T)")
    del tx
    gc.collect()
    assert count(conn, "T") == 0  # rolled back, and the connection outside any transaction
    conn.execute("CREATE (:Kept)")
    assert count(kgraph.Connection(db), "Kept") == 1
    # A connection dropped with one open (Kùzu's BEGIN TRANSACTION) rolls it back too.
    conn.execute("BEGIN TRANSACTION")
    conn.execute("CREATE (:T)")
    del conn
    gc.collect()
    other = kgraph.Connection(db)
    assert count(other, "T") == 0  # would wait for ever if the lock were still held


def test_a_transaction_in_a_directory_is_kept_across_a_reopen(tmp_path):
    db = kgraph.Database(tmp_path / "db")
    conn = kgraph.Connection(db)
    with conn.transaction():
        conn.execute("CREATE (:T {i: 1})")
        conn.execute("CREATE (:T {i: 2})")
    tx = conn.transaction()
    conn.execute("CREATE (:Gone)")
    tx.rollback()
    del conn, db, tx
    import gc

    gc.collect()
    again = kgraph.Connection(kgraph.Database(tmp_path / "db"))
    assert count(again, "T") == 2 and count(again, "Gone") == 0


def test_another_connection_in_the_transactions_thread_gets_an_error_not_a_hang():
    db = kgraph.Database()
    a, b = kgraph.Connection(db), kgraph.Connection(db)
    with a.transaction():
        a.execute("CREATE (:T)")
        with pytest.raises(kgraph.Error, match="transaction open on another connection"):
            b.execute("MATCH (n) RETURN count(n)")
        with pytest.raises(kgraph.Error, match="transaction open on another connection"):
            db.save("never-written.kgs")
    assert count(b, "T") == 1


def test_another_thread_waits_for_the_transaction_and_sees_it_whole():
    db = kgraph.Database()
    writer, reader = kgraph.Connection(db), kgraph.Connection(db)
    seen = []
    with writer.transaction():
        writer.execute("CREATE (:T)")
        t = threading.Thread(target=lambda: seen.append(count(reader, "T")))
        t.start()
        time.sleep(0.2)
        writer.execute("CREATE (:T)")
    t.join(timeout=30)
    assert seen == [2]


def test_ctrl_c_in_a_transaction_cancels_the_statement_only(conn):
    with conn.transaction():
        conn.execute("CREATE (:T)")
        timer = threading.Timer(0.5, _thread.interrupt_main)
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            conn.execute("UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b CREATE (:Slow)")
        assert count(conn, "Slow") == 0
    assert count(conn, "T") == 1 and count(conn, "Slow") == 0


def test_prepared_statements_run_many_times_with_their_parameters(conn):
    conn.execute("UNWIND range(1, 20) AS i CREATE (:Host {id: i, name: 'h' + i})")
    by_id = conn.prepare("MATCH (h:Host {id: $id}) RETURN h.name AS name")
    assert by_id.text.startswith("MATCH (h:Host")
    assert [conn.execute(by_id, {"id": i}).get_next() for i in (3, 7, 20)] == [["h3"], ["h7"], ["h20"]]
    conn.execute("CREATE (:Host {id: 21, name: 'late'})")  # the plan is made again for the new graph
    assert conn.execute(by_id, {"id": 21}).get_next() == ["late"]
    with pytest.raises(kgraph.ParameterMissing):
        conn.execute(by_id)
    with pytest.raises(kgraph.SyntaxError, match="line 1, column"):
        conn.prepare("MATCH (h RETURN h")
    # Inside a transaction it sees the transaction's writes, and a rollback takes them back.
    with pytest.raises(RuntimeError):
        with conn.transaction():
            conn.execute("CREATE (:Host {id: 99, name: 'tx'})")
            assert conn.execute(by_id, {"id": 99}).get_next() == ["tx"]
            raise RuntimeError("undo")
    assert conn.execute(by_id, {"id": 99}).get_num_tuples() == 0
    other = kgraph.Connection(kgraph.Database())
    with pytest.raises(kgraph.Error, match="prepared on another database"):
        other.execute(by_id, {"id": 1})


def test_the_readme_from_python_example_runs(monkeypatch, capsys):
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README.md has a Python example"
    monkeypatch.chdir(ROOT)
    exec(compile(blocks[0], "README.md", "exec"), {})
    assert "['APT31', datetime.date(2025, 5, 28)]" in capsys.readouterr().out


def test_temporal_values_are_datetime_objects_both_ways(conn):
    import datetime as dt
    import zoneinfo

    row = conn.execute(
        """RETURN date('2025-05-28') AS d, localtime('10:15:30.123456789') AS lt, time('10:15+02:00') AS t,
                  localdatetime('2025-05-28T10:15') AS ldt, datetime('2025-05-28T10:15[Europe/Prague]') AS zdt,
                  duration('P1DT2H') AS short, duration('P1M') AS long"""
    ).get_next()
    d, lt, t, ldt, zdt, short, long = row
    assert d == dt.date(2025, 5, 28)
    assert lt == dt.time(10, 15, 30, 123456), "nanoseconds cut to microseconds"
    assert t.utcoffset() == dt.timedelta(hours=2)
    assert ldt == dt.datetime(2025, 5, 28, 10, 15) and ldt.tzinfo is None
    assert zdt == dt.datetime(2025, 5, 28, 8, 15, tzinfo=dt.timezone.utc)
    assert short == dt.timedelta(days=1, hours=2)
    assert long == "P1M", "a duration with months has no timedelta"
    # Parameters: datetime objects become temporal values, zoneinfo zones keep their names.
    given = dt.datetime(2024, 10, 27, 12, 0, tzinfo=zoneinfo.ZoneInfo("Europe/Prague"))
    back = conn.execute(
        "RETURN $d + duration('P1D') AS next, $at.timezone AS zone, $at.offset AS offset, $day < date('2025-01-01') AS early",
        {"d": dt.date(2025, 5, 28), "at": given, "day": dt.date(2024, 1, 1)},
    ).get_next()
    assert back == [dt.date(2025, 5, 29), "Europe/Prague", "+01:00", True]


def test_arrow_types_temporal_columns(conn):
    import pyarrow as pa

    conn.execute("UNWIND range(1, 3) AS i CREATE (:E {on: date('2025-05-2' + i), at: datetime('2025-05-28T10:00Z') + duration({hours: i})})")
    table = conn.execute("MATCH (e:E) RETURN e.on AS on, e.at AS at ORDER BY on").get_as_arrow()
    assert table.schema.field("on").type == pa.date32()
    assert table.schema.field("at").type == pa.timestamp("ns", tz="UTC")
    import datetime as dt

    assert table.column("on").to_pylist()[0] == dt.date(2025, 5, 21)


def test_load_csv_reads_from_the_import_directory_only(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "actors.csv").write_text("name,country\nAPT31,China\nAPT28,\n")
    (tmp_path / "secret.csv").write_text("x\n")
    db = kgraph.Database()
    db.set_import_dir(tmp_path / "in")
    conn = kgraph.Connection(db)
    conn.execute(
        "LOAD CSV WITH HEADERS FROM 'file:///actors.csv' AS row "
        "CREATE (:ThreatActor {name: row.name, country: row.country})"
    )
    assert list(conn.execute("MATCH (a:ThreatActor) RETURN a.name, a.country ORDER BY a.name")) == [
        ["APT28", None],
        ["APT31", "China"],
    ]
    with pytest.raises(kgraph.Error, match="import directory"):
        conn.execute("LOAD CSV FROM 'file:///../secret.csv' AS row RETURN row")
    with pytest.raises(ValueError):
        db.set_import_dir(tmp_path / "missing")


def test_schema_visualization_comes_as_dicts_with_negative_ids(seed):
    nodes, rels = seed.execute("CALL db.schema.visualization()").get_next()
    labels = {row[0] for row in seed.execute("CALL db.labels()")}
    assert {n["name"] for n in nodes} == labels
    assert all(n["_id"] < 0 and n["_label"] == n["name"] for n in nodes)
    by_id = {n["_id"]: n["name"] for n in nodes}
    patterns = {(by_id[r["_src"]], r["_label"], by_id[r["_dst"]]) for r in rels}
    assert ("Campaign", "attributed-to", "ThreatActor") in patterns
