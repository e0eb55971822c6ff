package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go/cdklambdainvokestep"
)

func NewPipelineStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, nil)

	bucket := awss3.NewBucket(stack, jsii.String("SourceBucket"), &awss3.BucketProps{Versioned: jsii.Bool(true)})
	source := awscodepipeline.NewArtifact(jsii.String("Source"), nil)
	report := awscodepipeline.NewArtifact(jsii.String("Report"), nil)

	smokeTest := cdklambdainvokestep.NewLambdaInvokeStep(stack, jsii.String("SmokeTest"), &cdklambdainvokestep.LambdaInvokeStepProps{
		Entry:              jsii.String("lambda/smoke-test.ts"),       // from the app's root, where cdk synth runs
		Inputs:             &[]awscodepipeline.Artifact{source},       // 0 to 5 artifacts
		Outputs:            &[]awscodepipeline.Artifact{report},       // 0 to 5 artifacts
		UserParameters:     &map[string]interface{}{"url": "https://example.com"},
		VariablesNamespace: jsii.String("SmokeTest"),
		OutputVariables:    jsii.Strings("REPORT_URL"),               // what the function will report
	})

	awscodepipeline.NewPipeline(stack, jsii.String("Pipeline"), &awscodepipeline.PipelineProps{
		Stages: &[]*awscodepipeline.StageProps{
			{StageName: jsii.String("Source"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewS3SourceAction(&awscodepipelineactions.S3SourceActionProps{
					ActionName: jsii.String("Source"), Bucket: bucket, BucketKey: jsii.String("source.zip"), Output: source,
				}),
			}},
			{StageName: jsii.String("Test"), Actions: &[]awscodepipeline.IAction{smokeTest.Action()}},
			{StageName: jsii.String("Review"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewManualApprovalAction(&awscodepipelineactions.ManualApprovalActionProps{
					ActionName:         jsii.String("Review"),
					ExternalEntityLink: smokeTest.Variable(jsii.String("REPORT_URL")), // "#{SmokeTest.REPORT_URL}"
				}),
			}},
		},
	})
	return stack
}
