from aws_cdk import CfnOutput, Stack, Stage, aws_lambda as lambda_, aws_ssm as ssm, pipelines
from constructs import Construct
from cdk_lambda_invoke_step import LambdaInvokePipelinesStep, LambdaInvokeStep


class AppStage(Stage):
    """What the pipeline deploys: a stack with a parameter, and an output the step reads."""

    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)
        stack = Stack(self, "App")
        url = ssm.StringParameter(stack, "UrlParameter", string_value="https://app.example.com")
        self.url = CfnOutput(stack, "Url", value=url.string_value)


class DeliveryStack(Stack):
    """CDK Pipelines with a step whose function is written in Python, after the stage it checks."""

    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)

        synth = pipelines.ShellStep("Synth",
            input=pipelines.CodePipelineSource.connection("my-org/my-app", "main",
                connection_arn="arn:aws:codeconnections:us-east-1:111111111111:connection/example",
            ),
            commands=["npm ci", "npx cdk synth"],
        )
        pipeline = pipelines.CodePipeline(self, "Pipeline", synth=synth)
        prod = AppStage(self, "Prod")

        report_check = LambdaInvokeStep(self, "ReportCheckFunction",
            existing_function=lambda_.Function(self, "ReportCheckPython",
                runtime=lambda_.Runtime.PYTHON_3_13,
                handler="index.handler",
                code=lambda_.Code.from_asset("lambda/report-check"),
            ),
            output_variables=["CHECKED_URL"],
        )
        check = LambdaInvokePipelinesStep("ReportCheck",
            lambda_invoke_step=report_check,
            inputs=[synth],
            user_parameters={"url": pipelines.StackOutputReference.from_cfn_output(prod.url)},
        )
        publish = pipelines.CodeBuildStep("Publish",
            commands=['echo "$CHECKED_URL"'],
            env={"CHECKED_URL": check.variable("CHECKED_URL")},
        )
        pipeline.add_wave("Release", post=[check, publish]).add_stage(prod)
