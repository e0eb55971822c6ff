export * from './lambda-invoke-step';
export * from './pipelines/lambda-invoke-pipelines-step';
