#!/usr/bin/env python3
# Run from the app's root (test/languages), as `cdk synth` runs an app: the stacks name lambda/ from there.
from aws_cdk import App

from delivery_stack import DeliveryStack
from pipeline_stack import PipelineStack

app = App()
PipelineStack(app, "PipelineStack")
DeliveryStack(app, "DeliveryStack")
app.synth()
