/** The partition a region belongs to, the first field of its ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

/** arn:partition:ec2:region:account:kind/id, the form AWS itself uses for EC2 resources. */
export function ec2Arn(region: string, accountId: string, kind: string, id: string): string {
  return `arn:${partitionOf(region)}:ec2:${region}:${accountId}:${kind}/${id}`;
}

export interface ParsedArn {
  service: string;
  region: string;
  /** The last segment of the resource part: i-0abc, vol-0abc, the DB instance identifier, ... */
  resourceId: string;
}

export function parseArn(arn: string): ParsedArn | undefined {
  const match = /^arn:[\w-]+:([\w-]+):([\w-]*):(\d*):(.+)$/.exec(arn);
  if (!match) return undefined;
  const [, service = '', region = '', , resource = ''] = match;
  return { service, region, resourceId: resource.split(/[/:]/).pop() ?? resource };
}
