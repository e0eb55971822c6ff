package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// The app's steps run on this machine through the cdk-lambda-invoke-step CLI, as they would in the
// pipeline: the functions against S3 and CodePipeline endpoints on 127.0.0.1, no AWS account reached.

type stepRun struct {
	Outcome         string            `json:"outcome"`
	Error           string            `json:"error"`
	FailureDetails  map[string]string `json:"failureDetails"`
	OutputVariables map[string]string `json:"outputVariables"`
}

// TestMain runs the tests from the app's root, where `cdk synth` runs, because the stacks name lambda/
// from there. Before any test: the jsii runtime's Node.js process keeps the directory it started in.
func TestMain(m *testing.M) {
	if err := os.Chdir(".."); err != nil {
		panic(err)
	}
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func synthesize(t *testing.T, newStack func(constructs.Construct, string) awscdk.Stack, stackName string) string {
	cloudAssembly := filepath.Join(t.TempDir(), "cdk.out")
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(cloudAssembly)})
	newStack(app, stackName)
	app.Synth(nil)
	return cloudAssembly
}

// runStep returns the CLI's --json result; its exit code is 0 when the job succeeded, 1 when it failed, 2 for no result.
func runStep(t *testing.T, cloudAssembly, step string, options ...string) stepRun {
	command := exec.Command("cdk-lambda-invoke-step", append([]string{"run", "--app", cloudAssembly, "--step", step, "--json"}, options...)...)
	command.Stderr = os.Stderr
	stdout, err := command.Output()
	if exitErr, failed := err.(*exec.ExitError); err != nil && !(failed && exitErr.ExitCode() <= 2) {
		t.Fatalf("the CLI failed: %v", err)
	}
	var run stepRun
	if err := json.Unmarshal(stdout, &run); err != nil {
		t.Fatalf("the CLI printed no JSON result: %v\n%s", err, stdout)
	}
	return run
}

func TestSmokeTestSucceedsAndWritesItsReport(t *testing.T) {
	cloudAssembly := synthesize(t, NewPipelineStack, "PipelineStack")
	source := t.TempDir()
	if err := os.WriteFile(filepath.Join(source, "index.html"), []byte("<h1>hi</h1>"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()

	run := runStep(t, cloudAssembly, "PipelineStack/SmokeTest", "--input", "Source="+source, "--output-dir", out)

	if run.Outcome != "succeeded" {
		t.Fatalf("outcome %q: %+v", run.Outcome, run)
	}
	if !strings.HasPrefix(run.OutputVariables["REPORT_URL"], "https://example.com/reports/") {
		t.Errorf("REPORT_URL is %q", run.OutputVariables["REPORT_URL"])
	}
	report, err := os.ReadFile(filepath.Join(out, "Report", "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	var written struct{ SourceFiles []string }
	if err := json.Unmarshal(report, &written); err != nil || len(written.SourceFiles) != 1 || written.SourceFiles[0] != "index.html" {
		t.Errorf("report.json is %s", report)
	}
}

func TestSmokeTestFailsWithoutAURL(t *testing.T) {
	cloudAssembly := synthesize(t, NewPipelineStack, "PipelineStack")

	run := runStep(t, cloudAssembly, "PipelineStack/SmokeTest", "--input", "Source="+t.TempDir(), "--user-parameters", "{}")

	if run.Outcome != "failed" || run.FailureDetails["type"] != "ConfigurationError" || run.FailureDetails["message"] != `UserParameters must hold a "url"` {
		t.Fatalf("%+v", run)
	}
}

func TestPythonStepReadsTheStageOutput(t *testing.T) {
	cloudAssembly := synthesize(t, NewDeliveryStack, "DeliveryStack")
	synthOutput := t.TempDir()
	if err := os.WriteFile(filepath.Join(synthOutput, "manifest.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}

	run := runStep(t, cloudAssembly, "DeliveryStack/ReportCheckFunction",
		"--input", "Synth_Output="+synthOutput,
		// The stage's output, under the name CDK Pipelines gives it (`cdk-lambda-invoke-step list` prints it).
		"--variable", "DeliveryStackProdApp094C3279.Url=https://app.example.com")

	if run.Outcome != "succeeded" || run.OutputVariables["CHECKED_URL"] != "https://app.example.com" {
		t.Fatalf("%+v", run)
	}
}
