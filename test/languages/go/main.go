package main

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Run from the app's root (test/languages), as `cdk synth` runs an app: the stacks name lambda/ from there.
func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	NewPipelineStack(app, "PipelineStack")
	NewDeliveryStack(app, "DeliveryStack")
	app.Synth(nil)
}
