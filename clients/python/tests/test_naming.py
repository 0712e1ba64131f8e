"""The entry-naming tables of the seeds (seeds/001), exactly as the TypeScript client applies them."""

import os
import tempfile
import unittest

import cairn
from cairn.errors import CairnError
from cairn.naming import name_for_reference, normalize_entry_path


class NamingTables(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp()
        for rel in ["model.h5", "checkpoints/model.h5", "images/cat.png", "images/dog.png"]:
            path = os.path.join(self.dir, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(rel)
        self.cwd = os.getcwd()
        os.chdir(self.dir)

    def tearDown(self):
        os.chdir(self.cwd)

    def paths(self, build):
        artifact = cairn.Artifact("table", type="dataset")
        build(artifact)
        return [e["path"] for e in artifact._resolve()[0]]

    def test_add_file(self):
        self.assertEqual(self.paths(lambda a: a.add_file("model.h5")), ["model.h5"])
        self.assertEqual(self.paths(lambda a: a.add_file("checkpoints/model.h5")), ["model.h5"])
        self.assertEqual(
            self.paths(lambda a: a.add_file("model.h5", name="models/mymodel.h5")), ["models/mymodel.h5"]
        )

    def test_add_dir_and_new_file(self):
        self.assertEqual(self.paths(lambda a: a.add_dir("images")), ["cat.png", "dog.png"])
        self.assertEqual(self.paths(lambda a: a.add_dir("images", name="images")), ["images/cat.png", "images/dog.png"])

        def new(a):
            with a.new_file("hello.txt") as f:
                f.write("hello")

        self.assertEqual(self.paths(new), ["hello.txt"])

    def test_references(self):
        self.assertEqual(name_for_reference("s3://my-bucket/model.h5"), "model.h5")
        self.assertEqual(name_for_reference("s3://my-bucket/checkpoints/model.h5"), "model.h5")
        self.assertEqual(name_for_reference("s3://my-bucket/model.h5", "models/mymodel.h5"), "models/mymodel.h5")
        self.assertEqual(name_for_reference("https://host/a/b%20c.csv"), "b c.csv")
        self.assertEqual(name_for_reference("file:///data/x.bin"), "x.bin")
        uri = "file://" + os.path.join(self.dir, "images")
        self.assertEqual(self.paths(lambda a: a.add_reference(uri)), ["cat.png", "dog.png"])
        self.assertEqual(self.paths(lambda a: a.add_reference(uri, name="images")), ["images/cat.png", "images/dog.png"])

    def test_paths_are_normalised_and_checked(self):
        self.assertEqual(normalize_entry_path("./a\\b/./c.txt"), "a/b/c.txt")
        for bad in ["", "/abs", "a/../b", "a//b", "dir/", "C:x", "a\x00b"]:
            with self.assertRaises(CairnError) as raised:
                normalize_entry_path(bad)
            self.assertEqual(raised.exception.code, "INVALID_PATH")
        artifact = cairn.Artifact("dup", type="dataset")
        artifact.add_file("model.h5")
        with self.assertRaises(CairnError) as raised:
            artifact.add_file("checkpoints/model.h5")
        self.assertEqual(raised.exception.code, "DUPLICATE_PATH")
        artifact.add_file("checkpoints/model.h5", overwrite=True)


if __name__ == "__main__":
    unittest.main()
