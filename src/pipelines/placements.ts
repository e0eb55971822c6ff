import { Stage, pipelines } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** Where `step` is placed in the CDK Pipelines of the app stage that holds `scope`, such as `post of stage Prod`. */
export function placementsOf(step: pipelines.Step, scope: Construct): string[] {
  const root = Stage.of(scope) ?? scope.node.root;
  const found: string[] = [];
  const look = (steps: pipelines.Step[], where: string) => {
    found.push(...steps.filter(candidate => candidate === step).map(() => where));
  };
  for (const pipeline of root.node.findAll().filter(pipelines.PipelineBase.isPipeline)) {
    for (const wave of pipeline.waves) {
      look(wave.pre, `pre of wave ${wave.id}`);
      look(wave.post, `post of wave ${wave.id}`);
      for (const stage of wave.stages) {
        look(stage.pre, `pre of stage ${stage.stageName}`);
        look(stage.post, `post of stage ${stage.stageName}`);
        for (const stack of stage.stacks) {
          look([...stack.pre, ...stack.changeSet, ...stack.post], `steps of stack ${stack.stackName}`);
        }
      }
    }
  }
  return found;
}
