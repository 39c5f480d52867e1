import { describe, expect, it } from 'vitest';
import { driftOf, driftSignature } from './drift.ts';
import { parseState } from './state.parser.ts';
import type { DriftCandidate } from './terraform.repository.ts';

const GOOGLE = 'provider["registry.terraform.io/hashicorp/google"]';
const selfLink = 'https://www.googleapis.com/compute/v1/projects/acme-prod/zones/europe-west1-b/instances/web-a';
const web = (name: string, machine: string) => ({
  id: `projects/acme-prod/zones/europe-west1-b/instances/${name}`,
  self_link: selfLink.replace('web-a', name),
  machine_type: machine,
  labels: { env: 'prod' },
});

/** The same two instances as a state file and as `terraform show -json` prints them. */
const stateFile = {
  version: 4,
  terraform_version: '1.9.8',
  serial: 7,
  lineage: 'l-1',
  resources: [
    { mode: 'data', type: 'google_compute_image', name: 'debian', provider: GOOGLE, instances: [{ attributes: { id: 'debian-12' } }] },
    {
      module: 'module.web["eu"]',
      mode: 'managed',
      type: 'google_compute_instance',
      name: 'vm',
      provider: GOOGLE,
      instances: [
        { index_key: 'a', attributes: web('web-a', 'e2-medium') },
        { index_key: 'b', attributes: web('web-b', 'zones/europe-west1-b/machineTypes/e2-small') },
        // create_before_destroy's old object: not what the code describes.
        { index_key: 'b', deposed: '00000001', attributes: web('web-b-old', 'e2-small') },
      ],
    },
  ],
};

const showJson = {
  format_version: '1.0',
  terraform_version: '1.9.8',
  values: {
    root_module: {
      resources: [{ address: 'data.google_compute_image.debian', mode: 'data', type: 'google_compute_image', name: 'debian', values: { id: 'debian-12' } }],
      child_modules: [
        {
          address: 'module.web["eu"]',
          resources: [
            { address: 'module.web["eu"].google_compute_instance.vm["a"]', mode: 'managed', type: 'google_compute_instance', name: 'vm', index: 'a', provider_name: 'registry.terraform.io/hashicorp/google', values: web('web-a', 'e2-medium') },
            { address: 'module.web["eu"].google_compute_instance.vm["b"]', mode: 'managed', type: 'google_compute_instance', name: 'vm', index: 'b', provider_name: 'registry.terraform.io/hashicorp/google', values: web('web-b', 'zones/europe-west1-b/machineTypes/e2-small') },
          ],
        },
      ],
    },
  },
};

describe('parseState', () => {
  it('reads a state file and `terraform show -json` of it alike, leaving out data sources and deposed objects', () => {
    const fromFile = parseState(stateFile);
    const fromShow = parseState(showJson);
    expect(fromFile).toMatchObject({ format: 'state', serial: 7, lineage: 'l-1', terraform_version: '1.9.8' });
    expect(fromShow).toMatchObject({ format: 'show', serial: null, lineage: null });
    expect(fromShow.resources).toEqual(fromFile.resources);
    expect(fromFile.resources.map((resource) => resource.address)).toEqual([
      'module.web["eu"].google_compute_instance.vm["a"]',
      'module.web["eu"].google_compute_instance.vm["b"]',
    ]);
  });

  it('gives every form of a GCP id discovery may hold, the size as discovery reports it, and the labels', () => {
    const [a, b] = parseState(stateFile).resources;
    expect(a).toEqual({
      address: 'module.web["eu"].google_compute_instance.vm["a"]',
      module_path: 'module.web["eu"]',
      type: 'google_compute_instance',
      name: 'vm',
      provider: 'google',
      index_key: '"a"',
      provider_ids: ['projects/acme-prod/zones/europe-west1-b/instances/web-a', '//compute.googleapis.com/projects/acme-prod/zones/europe-west1-b/instances/web-a', selfLink],
      size_attribute: 'machine_type',
      size: 'e2-medium',
      tags: { env: 'prod' },
    });
    expect(b!.size).toBe('e2-small');
  });

  it('names what is wrong with what is not a version 4 state', () => {
    expect(() => parseState([])).toThrow('a Terraform state must be a JSON object');
    expect(() => parseState({ version: 3, resources: [] })).toThrow('state format version 3 is not supported');
    expect(() => parseState({ version: 4 })).toThrow('the state has no resources array');
    expect(() => parseState({ version: 4, resources: [{ mode: 'managed', type: 'aws_instance', name: 'x', instances: [{}] }] })).toThrow(
      'resources[0].instances[0] has no attributes',
    );
    expect(parseState({ format_version: '1.0' }).resources).toEqual([]);
  });
});

describe('drift', () => {
  const candidate = (overrides: Partial<DriftCandidate>): DriftCandidate => ({
    terraform_resource_id: 't1',
    terraform_state_id: 's1',
    address: 'aws_instance.web',
    type: 'aws_instance',
    size_attribute: 'instance_type',
    size: 't3.large',
    tags: { env: 'prod' },
    drift_signature: null,
    resource_id: 'r1',
    cloud_account_id: 'a1',
    provider: 'AWS',
    provider_resource_id: 'arn:aws:ec2:eu-west-1:123456789012:instance/i-1',
    discovered_type: 'AWS::EC2::Instance',
    metadata: { instance_type: 't3.large' },
    discovered_tags: { env: 'prod' },
    ...overrides,
  });

  it('compares type, size and tags, and only what both sides know', () => {
    expect(driftOf(candidate({}))).toEqual([]);
    expect(driftOf(candidate({ metadata: { instance_type: 't3.xlarge' }, discovered_tags: { env: 'dev' }, discovered_type: 'AWS::EC2::Volume' })).map((drift) => drift.field)).toEqual([
      'type',
      'size',
      'tags',
    ]);
    // A state without tags, a type Stratus does not know: nothing to compare there.
    expect(driftOf(candidate({ tags: null, discovered_tags: { env: 'dev' } }))).toEqual([]);
    expect(driftOf(candidate({ type: 'aws_launch_template', metadata: { instance_type: 'x' }, tags: null }))).toEqual([]);
  });

  it('signs a drift by what differs, whatever the order of the tags', () => {
    const one = driftOf(candidate({ discovered_tags: { env: 'prod', owner: 'a', team: 'b' } }));
    const other = driftOf(candidate({ discovered_tags: { team: 'b', owner: 'a', env: 'prod' } }));
    expect(driftSignature('r1', one)).toBe(driftSignature('r1', other));
    expect(driftSignature('r1', one)).not.toBe(driftSignature('r1', driftOf(candidate({ discovered_tags: { env: 'prod', owner: 'c' } }))));
    expect(driftSignature('r1', [])).toBeNull();
  });
});
