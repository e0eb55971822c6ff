package com.myorg;

import software.amazon.awscdk.App;

/** Run from the app's root (test/languages), as `cdk synth` runs an app: the stacks name lambda/ from there. */
public final class PipelineApp {
    public static void main(final String[] args) {
        App app = new App();
        new PipelineStack(app, "PipelineStack");
        new DeliveryStack(app, "DeliveryStack");
        app.synth();
    }
}
