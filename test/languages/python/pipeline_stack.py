from aws_cdk import Stack, aws_codepipeline as codepipeline, aws_codepipeline_actions as actions, aws_s3 as s3
from constructs import Construct
from cdk_lambda_invoke_step import LambdaInvokeStep


class PipelineStack(Stack):
    def __init__(self, scope: Construct, id: str):
        super().__init__(scope, id)

        bucket = s3.Bucket(self, "SourceBucket", versioned=True)
        source = codepipeline.Artifact("Source")
        report = codepipeline.Artifact("Report")

        smoke_test = LambdaInvokeStep(self, "SmokeTest",
            entry="lambda/smoke-test.ts",  # from the app's root, where cdk synth runs
            inputs=[source],  # 0 to 5 artifacts
            outputs=[report],  # 0 to 5 artifacts
            user_parameters={"url": "https://example.com"},
            variables_namespace="SmokeTest",
            output_variables=["REPORT_URL"],  # what the function will report
        )

        codepipeline.Pipeline(self, "Pipeline",
            stages=[
                codepipeline.StageProps(stage_name="Source", actions=[
                    actions.S3SourceAction(action_name="Source", bucket=bucket, bucket_key="source.zip", output=source),
                ]),
                codepipeline.StageProps(stage_name="Test", actions=[smoke_test.action]),
                codepipeline.StageProps(stage_name="Review", actions=[
                    actions.ManualApprovalAction(
                        action_name="Review",
                        external_entity_link=smoke_test.variable("REPORT_URL"),  # '#{SmokeTest.REPORT_URL}'
                    ),
                ]),
            ],
        )
