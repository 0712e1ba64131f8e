"""One of the parallel writers of test_server.ParallelWriters: upserts its table part."""

import sys

import cairn

project, group, index = sys.argv[1], sys.argv[2], int(sys.argv[3])
run = cairn.init(project=project, job_type="writer", group=group)
artifact = cairn.Artifact("parallel", type="dataset")
artifact.add(cairn.Table(columns=["a", "b", "c"], data=[[index, index * 2, 2**index]]), f"parts/table_{index}")
run.upsert_artifact(artifact)
run.finish()
