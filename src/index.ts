export * from './lambda-invoke-step';
