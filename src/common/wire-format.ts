/**
 * What the construct hands the function's runtime besides the job event: environment variables and
 * the free-text format of UserParameters. Functions in other languages read the same (see docs/construct.md).
 */

/** A JSON array of the output variables the step declares (`outputVariables`). */
export const DECLARED_OUTPUT_VARIABLES_ENV = 'CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES';

/** A JSON array of the CodePipeline variable expressions the actions' UserParameters use. */
export const PARAMETER_VARIABLES_ENV = 'CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES';

/**
 * First line of UserParameters that carry free text (LambdaInvokeStep.freeText()), followed by the
 * boundary. The JSON comes next, with `{"$freeText": n}` in place of each text; then, for each n in
 * order, a line `<boundary>:<n>` and the text as CodePipeline substituted it, up to the next such line.
 */
export const FREE_TEXT_HEADER = 'cdk-lambda-invoke-step:free-text:';
export const FREE_TEXT_PLACEHOLDER_KEY = '$freeText';

/**
 * The failure reporter's: the step's function's log group, set when it is not `/aws/lambda/<name>`
 * (a function with its own log group), so that the failure message says where the logs are.
 */
export const FAILURE_REPORTER_LOG_GROUP_ENV = 'STEP_FUNCTION_LOG_GROUP';
