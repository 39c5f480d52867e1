import type { ColumnsOf, Generated, GeneratedJsonb, GeneratedTimestamp, NullableJsonb } from './column-types.ts';
import type { TerraformBackend } from './enums.ts';

/** A registered Terraform state; written by the ingestion service. */
export interface TerraformStatesTable {
  id: Generated<string>;
  organization_id: string;
  name: string;
  /** The raw state, sealed with @stratus/vault (an EncryptedSecret); never served. */
  state_file: NullableJsonb;
  /** Set by the writer (there is no updated_at on this table). */
  last_updated: GeneratedTimestamp;
  created_at: GeneratedTimestamp;
  /** The account whose resources the state describes: its missing resources count there. */
  cloud_account_id: string | null;
  backend: Generated<TerraformBackend>;
  /** For the http and s3 backends: where the state is and the credentials to read it, sealed like state_file. */
  backend_config: NullableJsonb;
  /** For the s3 and azurerm backends: the ETag of the object last read (an unchanged object is not downloaded again). */
  backend_etag: string | null;
  pull_interval_minutes: Generated<number>;
  serial: string | null;
  lineage: string | null;
  terraform_version: string | null;
  /** Why the last pull or parse failed; null after a good one. */
  last_error: string | null;
  /** The version of the registered module each module call uses: { "network": "1.4.0" }, by call name. */
  module_versions: GeneratedJsonb;
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

/** One managed resource instance parsed from a state: what Stratus serves of a state. */
export interface TerraformResourcesTable {
  id: Generated<string>;
  organization_id: string;
  terraform_state_id: string;
  terraform_module_id: string | null;
  /** module.network.aws_instance.web["a"] */
  address: string;
  /** module.network (empty for the root module). */
  module_path: string;
  type: string;
  name: string;
  /** The provider's short name: aws, google, azurerm. */
  provider: string;
  /** The count index or for_each key as written in the address (0, "a"); null for a single instance. */
  index_key: string | null;
  /** Every provider id the state gives (id, arn, self_link): a discovered resource matches any. */
  provider_ids: string[];
  /** The attribute holding the size (instance_type, machine_type, size, ...), for the type. */
  size_attribute: string | null;
  size: string | null;
  tags: NullableJsonb;
  /** The last drift reported for it (resource.drifted), so that one drift is reported once. */
  drift_signature: string | null;
  created_at: GeneratedTimestamp;
  updated_at: GeneratedTimestamp;
}

export interface TerraformTables {
  terraform_states: TerraformStatesTable;
  terraform_modules: TerraformModulesTable;
}

/** Added after the Foundation (migration TerraformStates). */
export interface TerraformResourceTables {
  terraform_resources: TerraformResourcesTable;
}

export const terraformColumns: ColumnsOf<TerraformTables> = {
  terraform_states: {
    id: 'not null',
    organization_id: 'not null',
    name: 'not null',
    state_file: 'null',
    last_updated: 'not null',
    created_at: 'not null',
    cloud_account_id: 'null',
    backend: 'not null',
    backend_config: 'null',
    backend_etag: 'null',
    pull_interval_minutes: 'not null',
    serial: 'null',
    lineage: 'null',
    terraform_version: 'null',
    last_error: 'null',
    module_versions: 'not null',
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

export const terraformResourceColumns: ColumnsOf<TerraformResourceTables> = {
  terraform_resources: {
    id: 'not null',
    organization_id: 'not null',
    terraform_state_id: 'not null',
    terraform_module_id: 'null',
    address: 'not null',
    module_path: 'not null',
    type: 'not null',
    name: 'not null',
    provider: 'not null',
    index_key: 'null',
    provider_ids: 'not null',
    size_attribute: 'null',
    size: 'null',
    tags: 'null',
    drift_signature: 'null',
    created_at: 'not null',
    updated_at: 'not null',
  },
};
