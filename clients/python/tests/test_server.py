"""The Python client against a real Cairn server (started by clients/python/test/python.test.ts,
which sets CAIRN_BASE_URL and CAIRN_API_KEY): the seeds' quickstart, references, aliases, lineage,
parallel writers, and one encoding shared with the TypeScript client."""

import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest
import uuid

import cairn
from cairn.errors import CairnError

CONFIGURED = bool(os.environ.get("CAIRN_BASE_URL") and os.environ.get("CAIRN_API_KEY"))
HERE = os.path.dirname(os.path.abspath(__file__))


def new_project() -> str:
    name = "py-" + uuid.uuid4().hex[:8]
    cairn.Api().create_project(name)
    return name


def write(path: str, text: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    return path


@unittest.skipUnless(CONFIGURED, "needs a server: CAIRN_BASE_URL and CAIRN_API_KEY")
class Quickstart(unittest.TestCase):
    def setUp(self):
        self.project = new_project()
        self.dir = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_log_relog_use_download_edit(self):
        data = os.path.join(self.dir, "data")
        write(os.path.join(data, "train.csv"), "a,b\n1,2\n")
        write(os.path.join(data, "images", "cat.png"), "meow")
        write(os.path.join(self.dir, "model.h5"), "weights")
        with cairn.init(project=self.project, job_type="prep", config={"lr": 0.1}) as run:
            artifact = cairn.Artifact("mnist", type="dataset", description="digits", metadata={"rows": 2})
            artifact.add_dir(data)
            artifact.add_file(os.path.join(self.dir, "model.h5"), name="models/model.h5")
            with artifact.new_file("notes.txt") as f:
                f.write("hello")
            artifact.add(cairn.Table(columns=["x", "y"], data=[[1, 2.0], [3, "z"]]), "summary")
            v0 = run.log_artifact(artifact, aliases=["best"]).wait()
            self.assertEqual(v0.version, "v0")
            self.assertTrue(v0.created)
            self.assertEqual(v0.upload_stats["uploadedFiles"], 5)
            self.assertEqual(v0.digest, artifact.digest)
            self.assertEqual(sorted(v0.aliases), ["best", "latest"])

            # Unchanged contents: no new version, nothing uploaded.
            again = cairn.Artifact("mnist", type="dataset")
            again.add_dir(data)
            again.add_file(os.path.join(self.dir, "model.h5"), name="models/model.h5")
            with again.new_file("notes.txt") as f:
                f.write("hello")
            again.add(cairn.Table(columns=["x", "y"], data=[[1, 2.0], [3, "z"]]), "summary")
            same = run.log_artifact(again).wait()
            self.assertEqual((same.version, same.created), ("v0", False))
            self.assertEqual(same.upload_stats["uploadedFiles"], 0)

            # One changed file: v1, and only that file is uploaded.
            write(os.path.join(data, "train.csv"), "a,b\n1,2\n3,4\n")
            changed = cairn.Artifact("mnist", type="dataset")
            changed.add_dir(data)
            v1 = run.log_artifact(changed).wait()
            self.assertEqual((v1.version, v1.upload_stats["uploadedFiles"]), ("v1", 1))

        with cairn.init(project=self.project, job_type="train") as train:
            used = train.use_artifact("mnist:best")
            self.assertEqual(used.version, "v0")
            root = used.download(os.path.join(self.dir, "out"))
            with open(os.path.join(root, "images", "cat.png")) as f:
                self.assertEqual(f.read(), "meow")
            with open(os.path.join(root, "models", "model.h5")) as f:
                self.assertEqual(f.read(), "weights")
            table = used.get("summary")
            self.assertEqual(table.data, [[1, 2], [3, "z"]])
            one = used.get_path("notes.txt").download(os.path.join(self.dir, "one"))
            with open(one) as f:
                self.assertEqual(f.read(), "hello")
            # A damaged local copy is fetched again; intact ones are kept.
            write(os.path.join(root, "train.csv"), "tampered")
            used.download(root)
            with open(os.path.join(root, "train.csv")) as f:
                self.assertEqual(f.read(), "a,b\n1,2\n")

        api = cairn.Api()
        entity = api.client.entity
        fetched = api.artifact(f"{entity}/{self.project}/mnist:v0")
        self.assertEqual([e["path"] for e in fetched.manifest["entries"]][0], "images/cat.png")
        fetched.description = "handwritten digits"
        fetched.metadata["rows"] = 3
        fetched.aliases.append("production")
        fetched.save()
        reread = api.artifact(f"{entity}/{self.project}/mnist:production")
        self.assertEqual((reread.version, reread.description, reread.metadata), ("v0", "handwritten digits", {"rows": 3}))
        with self.assertRaises(CairnError) as raised:
            cairn.Artifact("mnist", type="model")
            with cairn.init(project=self.project, job_type="x") as r:
                wrong = cairn.Artifact("mnist", type="model")
                wrong.add_file(os.path.join(self.dir, "model.h5"))
                r.log_artifact(wrong).wait()
        self.assertEqual(raised.exception.code, "NAME_TAKEN_BY_OTHER_TYPE")

    def test_runs_resume_by_id(self):
        run = cairn.init(project=self.project, job_type="train", id="resumable", config={"a": 1})
        run.log({"loss": 0.5})
        run.finish()
        with self.assertRaises(CairnError) as raised:
            cairn.init(project=self.project, job_type="train", id="resumable")
        self.assertEqual(raised.exception.code, "CONFLICT")
        resumed = cairn.init(project=self.project, job_type="train", id="resumable", resume="must", config={"b": 2})
        self.assertEqual((resumed.id, resumed.config, resumed.summary), ("resumable", {"a": 1, "b": 2}, {"loss": 0.5}))
        resumed.finish()
        self.assertEqual(cairn.Api().run("resumable", project=self.project)["state"], "finished")

    @staticmethod
    def requests_to(route: str) -> float:
        """Requests the server has counted for a route (its Prometheus histogram's _count)."""
        import urllib.request

        text = urllib.request.urlopen(os.environ["CAIRN_BASE_URL"] + "/metrics").read().decode()
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("cairn_http_request_duration_seconds_count") and f'route="{route}"' in line
        )

    def test_many_small_files_travel_in_bundles(self):
        files = os.path.join(self.dir, "many")
        for i in range(120):
            write(os.path.join(files, f"f{i:03}.txt"), f"file {i}\n" * (i + 1))
        big = os.urandom(5 * 1024 * 1024)  # above a bundle's largest blob: its own PUT and GET
        with open(os.path.join(files, "big.bin"), "wb") as f:
            f.write(big)
        puts, gets = self.requests_to("bundles/put"), self.requests_to("bundles/get")
        with cairn.init(project=self.project, job_type="prep") as run:
            artifact = cairn.Artifact("many", type="dataset")
            artifact.add_dir(files)
            logged = run.log_artifact(artifact).wait()
        self.assertEqual(logged.upload_stats["uploadedFiles"], 121)
        # 120 small files in a handful of bundle requests, not one request each.
        self.assertTrue(1 <= self.requests_to("bundles/put") - puts <= 4)
        root = cairn.Api().artifact(f"{self.project}/many:latest").download(os.path.join(self.dir, "down"))
        self.assertTrue(1 <= self.requests_to("bundles/get") - gets <= 4)
        for i in (0, 57, 119):
            with open(os.path.join(root, f"f{i:03}.txt")) as f:
                self.assertEqual(f.read(), f"file {i}\n" * (i + 1))
        with open(os.path.join(root, "big.bin"), "rb") as f:
            self.assertEqual(f.read(), big)

    def test_config_file_and_variables(self):
        home = tempfile.mkdtemp()
        write(
            os.path.join(home, "cairn", "config.json"),
            json.dumps({"baseUrl": os.environ["CAIRN_BASE_URL"], "apiKey": os.environ["CAIRN_API_KEY"], "project": self.project}),
        )
        client = cairn.Client(env={"XDG_CONFIG_HOME": home})
        self.assertEqual(client.settings.project, self.project)
        self.assertEqual(client.transport.query("accounts.whoami")["user"]["name"], client.entity)
        overridden = cairn.Client(env={"XDG_CONFIG_HOME": home, "CAIRN_PROJECT": "other"})
        self.assertEqual(overridden.settings.project, "other")
        with self.assertRaises(CairnError) as raised:
            cairn.Client(env={"XDG_CONFIG_HOME": tempfile.mkdtemp()})
        self.assertIn("CAIRN_BASE_URL", raised.exception.message)
        bad = cairn.Client(api_key="cairn_nope_nope", env=os.environ)
        with self.assertRaises(CairnError) as raised:
            bad.transport.query("accounts.whoami")
        self.assertEqual(raised.exception.code, "UNAUTHORIZED")


class _EtagHandler(http.server.SimpleHTTPRequestHandler):
    def end_headers(self):
        self.send_header("ETag", '"v1-etag"')
        super().end_headers()

    def log_message(self, *args):
        pass


@unittest.skipUnless(CONFIGURED, "needs a server: CAIRN_BASE_URL and CAIRN_API_KEY")
class References(unittest.TestCase):
    def test_http_and_file_references(self):
        project = new_project()
        served = tempfile.mkdtemp()
        write(os.path.join(served, "remote.csv"), "remote bytes")
        local = write(os.path.join(tempfile.mkdtemp(), "local.bin"), "local bytes")
        handler = lambda *a, **k: _EtagHandler(*a, directory=served, **k)  # noqa: E731
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/remote.csv"
        try:
            with cairn.init(project=project, job_type="refs") as run:
                artifact = cairn.Artifact("refs", type="dataset")
                artifact.add_reference(url)
                artifact.add_reference("file://" + local, name="copies/local.bin")
                artifact.add_reference("s3://bucket/key.parquet", checksum=False)
                logged = run.log_artifact(artifact).wait()
            by_path = {e["path"]: e for e in logged.entries}
            self.assertEqual(by_path["remote.csv"]["extra"], {"etag": "v1-etag"})
            self.assertEqual(by_path["remote.csv"]["size"], len("remote bytes"))
            self.assertEqual(by_path["key.parquet"], {"path": "key.parquet", "digest": "s3://bucket/key.parquet", "size": None, "ref": "s3://bucket/key.parquet"})
            self.assertEqual(logged.get_path("remote.csv").ref(), url)
            root = tempfile.mkdtemp()
            entry = cairn.Api().artifact(f"{project}/refs:v0").get_path("copies/local.bin")
            with open(entry.download(root)) as f:
                self.assertEqual(f.read(), "local bytes")
            with open(logged.get_path("remote.csv").download(root)) as f:
                self.assertEqual(f.read(), "remote bytes")
        finally:
            server.shutdown()


@unittest.skipUnless(CONFIGURED, "needs a server: CAIRN_BASE_URL and CAIRN_API_KEY")
class AliasesAndLineage(unittest.TestCase):
    def test_aliases_move_and_reserved_ones_are_refused(self):
        project = new_project()
        tmp = tempfile.mkdtemp()
        with cairn.init(project=project, job_type="train") as run:
            versions = []
            for i in range(3):
                artifact = cairn.Artifact("model", type="model")
                artifact.add_file(write(os.path.join(tmp, f"w{i}", "weights.bin"), f"weights {i}"))
                versions.append(run.log_artifact(artifact, aliases=["best"] if i < 2 else None))
            numbers = [h.wait().version for h in versions]
        self.assertEqual(numbers, ["v0", "v1", "v2"])  # numbered in the order they were logged
        api = cairn.Api()
        self.assertEqual(api.artifact(f"{project}/model:best").version, "v1")
        self.assertEqual(api.artifact(f"{project}/model:latest").version, "v2")
        v0 = api.artifact(f"{project}/model:v0")
        v0.aliases.append("v7")
        with self.assertRaises(CairnError) as raised:
            v0.save()
        self.assertIn(raised.exception.code, ("RESERVED_ALIAS", "INVALID_ALIAS"))

    def test_logged_by_and_used_by(self):
        project = new_project()
        tmp = tempfile.mkdtemp()
        with cairn.init(project=project, job_type="prep") as producer:
            artifact = cairn.Artifact("features", type="dataset")
            artifact.add_file(write(os.path.join(tmp, "f.csv"), "x"))
            producer.log_artifact(artifact).wait()
        with cairn.init(project=project, job_type="train") as consumer:
            consumer.use_artifact("features:latest")
            self.assertEqual([a.name for a in consumer.used_artifacts()], ["features"])
        version = cairn.Api().artifact(f"{project}/features:latest")
        self.assertEqual(version.logged_by()["id"], producer.id)
        self.assertEqual([r["id"] for r in version.used_by()], [consumer.id])
        self.assertEqual([a.version for a in producer.logged_artifacts()], ["v0"])


@unittest.skipUnless(CONFIGURED, "needs a server: CAIRN_BASE_URL and CAIRN_API_KEY")
class ParallelWriters(unittest.TestCase):
    def test_five_processes_upsert_one_finishes(self):
        project = new_project()
        group = "writers-" + uuid.uuid4().hex[:6]
        env = {**os.environ, "PYTHONPATH": os.path.dirname(HERE)}
        writers = [
            subprocess.Popen([sys.executable, os.path.join(HERE, "parallel_writer.py"), project, group, str(i)], env=env)
            for i in range(5)
        ]
        self.assertEqual([w.wait(timeout=120) for w in writers], [0] * 5)
        with cairn.init(project=project, job_type="finisher", group=group) as run:
            artifact = cairn.Artifact("parallel", type="dataset")
            artifact.add(cairn.PartitionedTable("parts"), "distributed-table")
            logged = run.finish_artifact(artifact)
            self.assertEqual(
                [e["path"] for e in logged.entries],
                ["distributed-table.table.json"] + [f"parts/table_{i}.table.json" for i in range(5)],
            )
            self.assertEqual(logged.get("parts/table_3").data, [[3, 6, 8]])
            late = cairn.Artifact("parallel", type="dataset")
            late.add(cairn.Table(columns=["a"], data=[[9]]), "parts/late")
            with self.assertRaises(CairnError) as raised:
                run.upsert_artifact(late)
            self.assertEqual(raised.exception.code, "DRAFT_FINISHED")
        self.assertEqual(len(logged.used_by()), 0)
        self.assertEqual(logged.version, "v0")


@unittest.skipUnless(os.environ.get("CAIRN_TS_LOGGED"), "needs CAIRN_TS_LOGGED (an artifact the TypeScript client logged)")
class OneEncoding(unittest.TestCase):
    def test_unchanged_relog_after_typescript_creates_no_version(self):
        logged = json.loads(os.environ["CAIRN_TS_LOGGED"])
        with cairn.init(project=logged["project"], job_type="relog") as run:
            artifact = cairn.Artifact(logged["name"], type=logged["type"])
            artifact.add_dir(logged["dir"])
            self.assertEqual(artifact.digest, logged["digest"])
            again = run.log_artifact(artifact).wait()
        self.assertEqual((again.version, again.created, again.digest), (logged["version"], False, logged["digest"]))
        self.assertEqual(again.upload_stats["uploadedFiles"], 0)


if __name__ == "__main__":
    unittest.main()
