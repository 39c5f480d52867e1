export * from './ast.ts';
export { MatchSyntaxError } from './lexer.ts';
export { parseMatch } from './parser.ts';
export { formatMatch } from './format.ts';
export { evaluateMatch, type MatchRow } from './evaluate.ts';
export { compileMatch, likePattern, type ResourceFilter } from './compile.ts';
export { countMatches, matchResources, type MatchedResource, type MatchPage } from './resources.ts';
