/**
 * Matches an error message by its essential parts, in order: typically the prop, the rule and the
 * value received. The wording around them is free to change without touching the tests.
 */
export function naming(...parts: Array<string | number>): RegExp {
  return new RegExp(parts.map(part => String(part).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^]*'));
}
