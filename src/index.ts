export * from './lambda-invoke-step';
export * from './pipelines-step';
