"""The app's steps run on this machine through the cdk-lambda-invoke-step CLI, as they would in the
pipeline: the functions against S3 and CodePipeline endpoints on 127.0.0.1, no AWS account reached.
Run from the app's root, where `cdk synth` runs: `python -m pytest`."""
import json
import subprocess
import sys

from aws_cdk import App

from delivery_stack import DeliveryStack
from pipeline_stack import PipelineStack


def synthesize(stack_class, outdir):
    app = App(outdir=str(outdir))
    stack_class(app, stack_class.__name__)
    app.synth()
    return outdir


def run_step(cloud_assembly, step, *options):
    """The CLI's --json result; its exit code is 0 when the job succeeded, 1 when it failed, 2 for no result."""
    completed = subprocess.run(
        ["cdk-lambda-invoke-step", "run", "--app", str(cloud_assembly), "--step", step, "--json", *options],
        capture_output=True, text=True, timeout=600,
    )
    assert completed.returncode in (0, 1, 2), completed.stderr
    return json.loads(completed.stdout)


def test_smoke_test_succeeds_and_writes_its_report(tmp_path):
    cloud_assembly = synthesize(PipelineStack, tmp_path / "cdk.out")
    source = tmp_path / "source"
    source.mkdir()
    (source / "index.html").write_text("<h1>hi</h1>")

    run = run_step(cloud_assembly, "PipelineStack/SmokeTest",
                   "--input", f"Source={source}", "--output-dir", str(tmp_path / "out"))

    assert run["outcome"] == "succeeded", run
    assert run["outputVariables"]["REPORT_URL"].startswith("https://example.com/reports/")
    report = json.loads((tmp_path / "out" / "Report" / "report.json").read_text())
    assert report["sourceFiles"] == ["index.html"]


def test_smoke_test_fails_without_a_url(tmp_path):
    cloud_assembly = synthesize(PipelineStack, tmp_path / "cdk.out")

    source = tmp_path / "source"
    source.mkdir()

    run = run_step(cloud_assembly, "PipelineStack/SmokeTest", "--input", f"Source={source}", "--user-parameters", "{}")

    assert run["outcome"] == "failed", run
    assert run["failureDetails"]["type"] == "ConfigurationError"
    assert run["failureDetails"]["message"] == 'UserParameters must hold a "url"'


def test_python_step_reads_the_stage_output(tmp_path):
    cloud_assembly = synthesize(DeliveryStack, tmp_path / "cdk.out")
    synth_output = tmp_path / "synth"
    synth_output.mkdir()
    (synth_output / "manifest.json").write_text("{}")

    run = run_step(cloud_assembly, "DeliveryStack/ReportCheckFunction",
                   "--input", f"Synth_Output={synth_output}",
                   # The stage's output, under the name CDK Pipelines gives it (`cdk-lambda-invoke-step list` prints it).
                   "--variable", "DeliveryStackProdApp094C3279.Url=https://app.example.com",
                   "--python", sys.executable)

    assert run["outcome"] == "succeeded", run
    assert run["outputVariables"] == {"CHECKED_URL": "https://app.example.com"}
    assert run["logs"] == ["checking https://app.example.com"]
