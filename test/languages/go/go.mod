module example.com/pipelineapp

go 1.25

require (
	github.com/aws/aws-cdk-go/awscdk/v2 v2.224.0
	github.com/aws/constructs-go/constructs/v10 v10.0.5
	github.com/aws/jsii-runtime-go v1.140.0
	github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go/cdklambdainvokestep v0.0.0
)

// The package this repository's build makes (jsii-pacmak, dist/go); users take the published module.
replace github.com/cdk-lambda-invoke-step/cdk-lambda-invoke-step-go/cdklambdainvokestep => ../../../dist/go/cdklambdainvokestep
