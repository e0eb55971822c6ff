package com.myorg;

import java.util.List;
import java.util.Map;

import io.github.cdklambdainvokestep.LambdaInvokeStep;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.codepipeline.Artifact;
import software.amazon.awscdk.services.codepipeline.Pipeline;
import software.amazon.awscdk.services.codepipeline.StageProps;
import software.amazon.awscdk.services.codepipeline.actions.ManualApprovalAction;
import software.amazon.awscdk.services.codepipeline.actions.S3SourceAction;
import software.amazon.awscdk.services.s3.Bucket;
import software.constructs.Construct;

public class PipelineStack extends Stack {
    public PipelineStack(final Construct scope, final String id) {
        super(scope, id);

        Bucket bucket = Bucket.Builder.create(this, "SourceBucket").versioned(true).build();
        Artifact source = new Artifact("Source");
        Artifact report = new Artifact("Report");

        LambdaInvokeStep smokeTest = LambdaInvokeStep.Builder.create(this, "SmokeTest")
                .entry("lambda/smoke-test.ts")          // from the app's root, where cdk synth runs
                .inputs(List.of(source))                // 0 to 5 artifacts
                .outputs(List.of(report))               // 0 to 5 artifacts
                .userParameters(Map.of("url", "https://example.com"))
                .variablesNamespace("SmokeTest")
                .outputVariables(List.of("REPORT_URL")) // what the function will report
                .build();

        Pipeline.Builder.create(this, "Pipeline")
                .stages(List.of(
                        StageProps.builder().stageName("Source").actions(List.of(
                                S3SourceAction.Builder.create().actionName("Source").bucket(bucket).bucketKey("source.zip").output(source).build())).build(),
                        StageProps.builder().stageName("Test").actions(List.of(smokeTest.getAction())).build(),
                        StageProps.builder().stageName("Review").actions(List.of(
                                ManualApprovalAction.Builder.create()
                                        .actionName("Review")
                                        .externalEntityLink(smokeTest.variable("REPORT_URL")) // "#{SmokeTest.REPORT_URL}"
                                        .build())).build()))
                .build();
    }
}
