export * from './lambda-invoke-step';
export * from './lambda-invoke-step-props';
export * from './pipelines/lambda-invoke-pipelines-step';
