/**
 * CodePipeline limits the SDK does not check on the client. Shared by the construct
 * (checked at synth) and the runtime (checked before a result is reported).
 */

/** Input or output artifacts of one Lambda invoke action (CodePipeline action reference, Lambda). */
export const MAX_ARTIFACTS = 5;

/** A resolved action configuration value such as UserParameters (API model ActionConfigurationValue). */
export const MAX_CONFIGURATION_VALUE_LENGTH = 1000;

/** API model ActionName. */
export const ACTION_NAME_PATTERN = /^[A-Za-z0-9.@\-_]{1,100}$/;

/** API model ActionNamespace. */
export const NAMESPACE_PATTERN = /^[A-Za-z0-9@\-_]{1,100}$/;

/** API model OutputVariablesKey; the model sets no length, we cap it at 128. */
export const OUTPUT_VARIABLE_NAME_PATTERN = /^[A-Za-z0-9@\-_]{1,128}$/;

/** Environment variable through which the construct tells the runtime which output variables it declared. */
export const DECLARED_OUTPUT_VARIABLES_ENV = 'CDK_LAMBDA_INVOKE_STEP_OUTPUT_VARIABLES';

/** Environment variable through which the construct tells the runtime which CodePipeline variables its UserParameters use. */
export const PARAMETER_VARIABLES_ENV = 'CDK_LAMBDA_INVOKE_STEP_PARAMETER_VARIABLES';

/**
 * First line of UserParameters that carry free text (LambdaInvokeStep.freeText()), followed by the
 * boundary. The JSON comes next, with `{"$freeText": n}` in place of each text; then, for each n in
 * order, a line `<boundary>:<n>` and the text as CodePipeline substituted it, up to the next such line.
 */
export const FREE_TEXT_HEADER = 'cdk-lambda-invoke-step:free-text:';
export const FREE_TEXT_PLACEHOLDER_KEY = '$freeText';
