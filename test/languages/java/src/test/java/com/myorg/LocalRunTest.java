package com.myorg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;

/**
 * The app's steps run on this machine through the cdk-lambda-invoke-step CLI, as they would in the
 * pipeline: the functions against S3 and CodePipeline endpoints on 127.0.0.1, no AWS account reached.
 */
class LocalRunTest {
    @TempDir
    Path tmp;

    private Path synthesize(final java.util.function.BiConsumer<App, String> addStack, final String stackName) {
        Path cloudAssembly = tmp.resolve("cdk.out");
        App app = new App(AppProps.builder().outdir(cloudAssembly.toString()).build());
        addStack.accept(app, stackName);
        app.synth();
        return cloudAssembly;
    }

    /** The CLI's --json result; its exit code is 0 when the job succeeded, 1 when it failed, 2 for no result. */
    private static JsonNode runStep(final Path cloudAssembly, final String step, final String... options)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("cdk-lambda-invoke-step", "run",
                "--app", cloudAssembly.toString(), "--step", step, "--json"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(10, TimeUnit.MINUTES), "the CLI did not finish");
        assertTrue(process.exitValue() <= 2, "the CLI exited with " + process.exitValue());
        return new ObjectMapper().readTree(stdout);
    }

    @Test
    void smokeTestSucceedsAndWritesItsReport() throws Exception {
        Path cloudAssembly = synthesize(PipelineStack::new, "PipelineStack");
        Path source = Files.createDirectory(tmp.resolve("source"));
        Files.writeString(source.resolve("index.html"), "<h1>hi</h1>");

        JsonNode run = runStep(cloudAssembly, "PipelineStack/SmokeTest",
                "--input", "Source=" + source, "--output-dir", tmp.resolve("out").toString());

        assertEquals("succeeded", run.get("outcome").asText(), run.toString());
        assertTrue(run.get("outputVariables").get("REPORT_URL").asText().startsWith("https://example.com/reports/"));
        JsonNode report = new ObjectMapper().readTree(tmp.resolve("out/Report/report.json").toFile());
        assertEquals("[\"index.html\"]", report.get("sourceFiles").toString());
    }

    @Test
    void smokeTestFailsWithoutAUrl() throws Exception {
        Path cloudAssembly = synthesize(PipelineStack::new, "PipelineStack");

        JsonNode run = runStep(cloudAssembly, "PipelineStack/SmokeTest",
                "--input", "Source=" + Files.createDirectory(tmp.resolve("source")), "--user-parameters", "{}");

        assertEquals("failed", run.get("outcome").asText(), run.toString());
        assertEquals("ConfigurationError", run.get("failureDetails").get("type").asText());
        assertEquals("UserParameters must hold a \"url\"", run.get("failureDetails").get("message").asText());
    }

    @Test
    void pythonStepReadsTheStageOutput() throws Exception {
        Path cloudAssembly = synthesize(DeliveryStack::new, "DeliveryStack");
        Path synthOutput = Files.createDirectory(tmp.resolve("synth"));
        Files.writeString(synthOutput.resolve("manifest.json"), "{}");

        JsonNode run = runStep(cloudAssembly, "DeliveryStack/ReportCheckFunction",
                "--input", "Synth_Output=" + synthOutput,
                // The stage's output, under the name CDK Pipelines gives it (`cdk-lambda-invoke-step list` prints it).
                "--variable", "DeliveryStackProdApp094C3279.Url=https://app.example.com");

        assertEquals("succeeded", run.get("outcome").asText(), run.toString());
        assertEquals(Map.of("CHECKED_URL", "https://app.example.com"),
                new ObjectMapper().convertValue(run.get("outputVariables"), Map.class));
    }
}
