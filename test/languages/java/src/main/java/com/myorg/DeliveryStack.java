package com.myorg;

import java.util.List;
import java.util.Map;

import io.github.cdklambdainvokestep.LambdaInvokePipelinesStep;
import io.github.cdklambdainvokestep.LambdaInvokeStep;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.Stage;
import software.amazon.awscdk.pipelines.CodeBuildStep;
import software.amazon.awscdk.pipelines.CodePipeline;
import software.amazon.awscdk.pipelines.CodePipelineSource;
import software.amazon.awscdk.pipelines.ConnectionSourceOptions;
import software.amazon.awscdk.pipelines.ShellStep;
import software.amazon.awscdk.pipelines.StackOutputReference;
import software.amazon.awscdk.pipelines.WaveOptions;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.ssm.StringParameter;
import software.constructs.Construct;

/** CDK Pipelines with a step whose function is written in Python, after the stage it checks. */
public class DeliveryStack extends Stack {
    /** What the pipeline deploys: a stack with a parameter, and an output the step reads. */
    static class AppStage extends Stage {
        final CfnOutput url;

        AppStage(final Construct scope, final String id) {
            super(scope, id);
            Stack stack = new Stack(this, "App");
            StringParameter url = StringParameter.Builder.create(stack, "UrlParameter").stringValue("https://app.example.com").build();
            this.url = CfnOutput.Builder.create(stack, "Url").value(url.getStringValue()).build();
        }
    }

    public DeliveryStack(final Construct scope, final String id) {
        super(scope, id);

        ShellStep synth = ShellStep.Builder.create("Synth")
                .input(CodePipelineSource.connection("my-org/my-app", "main", ConnectionSourceOptions.builder()
                        .connectionArn("arn:aws:codeconnections:us-east-1:111111111111:connection/example")
                        .build()))
                .commands(List.of("npm ci", "npx cdk synth"))
                .build();
        CodePipeline pipeline = CodePipeline.Builder.create(this, "Pipeline").synth(synth).build();
        AppStage prod = new AppStage(this, "Prod");

        LambdaInvokeStep reportCheck = LambdaInvokeStep.Builder.create(this, "ReportCheckFunction")
                .existingFunction(Function.Builder.create(this, "ReportCheckPython")
                        .runtime(Runtime.PYTHON_3_13)
                        .handler("index.handler")
                        .code(Code.fromAsset("lambda/report-check"))
                        .build())
                .outputVariables(List.of("CHECKED_URL"))
                .build();
        LambdaInvokePipelinesStep check = LambdaInvokePipelinesStep.Builder.create("ReportCheck")
                .lambdaInvokeStep(reportCheck)
                .inputs(List.of(synth))
                .userParameters(Map.of("url", StackOutputReference.fromCfnOutput(prod.url)))
                .build();
        CodeBuildStep publish = CodeBuildStep.Builder.create("Publish")
                .commands(List.of("echo \"$CHECKED_URL\""))
                .env(Map.of("CHECKED_URL", check.variable("CHECKED_URL")))
                .build();
        pipeline.addWave("Release", WaveOptions.builder().post(List.of(check, publish)).build()).addStage(prod);
    }
}
