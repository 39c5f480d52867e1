import type { ColumnsOf, Generated, GeneratedTimestamp, NullableJsonb } from './column-types.ts';

export interface TerraformStatesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  state_file: NullableJsonb;
  /** Set by the writer (there is no updated_at on this table). */
  last_updated: GeneratedTimestamp;
  created_at: GeneratedTimestamp;
}

export interface TerraformModulesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  description: string | null;
  source_url: string | null;
  /** Unique with (organization_id, name); a null version counts as one version. */
  version: string | null;
  variables: NullableJsonb;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface TerraformTables {
  terraform_states: TerraformStatesTable;
  terraform_modules: TerraformModulesTable;
}

export const terraformColumns: ColumnsOf<TerraformTables> = {
  terraform_states: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    state_file: 'null',
    last_updated: 'not null',
    created_at: 'not null',
  },
  terraform_modules: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    description: 'null',
    source_url: 'null',
    version: 'null',
    variables: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
