package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
	"github.com/aws/aws-cdk-go/awscdk/v2/pipelines"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go/cdklambdainvokestep"
)

// NewDeliveryStack is CDK Pipelines with a step whose function is written in Python, after the stage it checks.
func NewDeliveryStack(scope constructs.Construct, id string) awscdk.Stack {
	stack := awscdk.NewStack(scope, &id, nil)

	synth := pipelines.NewShellStep(jsii.String("Synth"), &pipelines.ShellStepProps{
		Input: pipelines.CodePipelineSource_Connection(jsii.String("my-org/my-app"), jsii.String("main"), &pipelines.ConnectionSourceOptions{
			ConnectionArn: jsii.String("arn:aws:codeconnections:us-east-1:111111111111:connection/example"),
		}),
		Commands: jsii.Strings("npm ci", "npx cdk synth"),
	})
	pipeline := pipelines.NewCodePipeline(stack, jsii.String("Pipeline"), &pipelines.CodePipelineProps{Synth: synth})

	// What the pipeline deploys: a stack with a parameter, and an output the step reads.
	prod := awscdk.NewStage(stack, jsii.String("Prod"), nil)
	app := awscdk.NewStack(prod, jsii.String("App"), nil)
	urlParameter := awsssm.NewStringParameter(app, jsii.String("UrlParameter"), &awsssm.StringParameterProps{
		StringValue: jsii.String("https://app.example.com"),
	})
	url := awscdk.NewCfnOutput(app, jsii.String("Url"), &awscdk.CfnOutputProps{Value: urlParameter.StringValue()})

	reportCheck := cdklambdainvokestep.NewLambdaInvokeStep(stack, jsii.String("ReportCheckFunction"), &cdklambdainvokestep.LambdaInvokeStepProps{
		ExistingFunction: awslambda.NewFunction(stack, jsii.String("ReportCheckPython"), &awslambda.FunctionProps{
			Runtime: awslambda.Runtime_PYTHON_3_13(),
			Handler: jsii.String("index.handler"),
			Code:    awslambda.Code_FromAsset(jsii.String("lambda/report-check"), nil),
		}),
		OutputVariables: jsii.Strings("CHECKED_URL"),
	})
	check := cdklambdainvokestep.NewLambdaInvokePipelinesStep(jsii.String("ReportCheck"), &cdklambdainvokestep.LambdaInvokePipelinesStepProps{
		LambdaInvokeStep: reportCheck,
		Inputs:           &[]pipelines.IFileSetProducer{synth},
		UserParameters:   &map[string]interface{}{"url": pipelines.StackOutputReference_FromCfnOutput(url)},
	})
	publish := pipelines.NewCodeBuildStep(jsii.String("Publish"), &pipelines.CodeBuildStepProps{
		Commands: jsii.Strings(`echo "$CHECKED_URL"`),
		Env:      &map[string]*string{"CHECKED_URL": check.Variable(jsii.String("CHECKED_URL"))},
	})
	pipeline.AddWave(jsii.String("Release"), &pipelines.WaveOptions{Post: &[]pipelines.Step{check, publish}}).AddStage(prod, nil)
	return stack
}
