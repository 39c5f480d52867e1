import type { ActionType } from '@stratus/db';

/**
 * What Stratus knows of a Terraform resource type: the provider type discovery reports for it
 * (metadata.provider_type), the attribute holding its size and the metadata key discovery puts the
 * size under, and where its labels live. Shared: the ingestion service parses states and detects
 * drift with it, the action executor names the attribute an action changes.
 */
export interface TerraformTypeInfo {
  provider_type: string;
  size_attribute: string | null;
  /** Discovery's metadata key for the size, when it differs from the attribute's name. */
  size_metadata_key?: string;
  tags_attribute: 'tags' | 'labels' | null;
  /** The attribute a stop or start changes, where the type has one (AWS keeps it in aws_ec2_instance_state). */
  power_attribute?: string;
}

export const TERRAFORM_TYPES: Readonly<Record<string, TerraformTypeInfo>> = {
  aws_instance: { provider_type: 'AWS::EC2::Instance', size_attribute: 'instance_type', tags_attribute: 'tags' },
  aws_ebs_volume: { provider_type: 'AWS::EC2::Volume', size_attribute: 'type', size_metadata_key: 'volume_type', tags_attribute: 'tags' },
  aws_ebs_snapshot: { provider_type: 'AWS::EC2::Snapshot', size_attribute: null, tags_attribute: 'tags' },
  aws_eip: { provider_type: 'AWS::EC2::EIP', size_attribute: null, tags_attribute: 'tags' },
  aws_s3_bucket: { provider_type: 'AWS::S3::Bucket', size_attribute: null, tags_attribute: 'tags' },
  aws_db_instance: { provider_type: 'AWS::RDS::DBInstance', size_attribute: 'instance_class', tags_attribute: 'tags' },
  aws_lb: { provider_type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', size_attribute: 'load_balancer_type', size_metadata_key: 'lb_type', tags_attribute: 'tags' },
  aws_eks_node_group: { provider_type: 'AWS::EKS::Nodegroup', size_attribute: null, tags_attribute: 'tags' },
  google_compute_instance: { provider_type: 'compute.googleapis.com/Instance', size_attribute: 'machine_type', tags_attribute: 'labels', power_attribute: 'desired_status' },
  google_compute_disk: { provider_type: 'compute.googleapis.com/Disk', size_attribute: 'type', size_metadata_key: 'disk_type', tags_attribute: 'labels' },
  google_compute_snapshot: { provider_type: 'compute.googleapis.com/Snapshot', size_attribute: null, tags_attribute: 'labels' },
  google_sql_database_instance: { provider_type: 'sqladmin.googleapis.com/Instance', size_attribute: null, tags_attribute: null },
  google_storage_bucket: { provider_type: 'storage.googleapis.com/Bucket', size_attribute: 'storage_class', tags_attribute: 'labels' },
  azurerm_linux_virtual_machine: { provider_type: 'Microsoft.Compute/virtualMachines', size_attribute: 'size', tags_attribute: 'tags' },
  azurerm_windows_virtual_machine: { provider_type: 'Microsoft.Compute/virtualMachines', size_attribute: 'size', tags_attribute: 'tags' },
  azurerm_virtual_machine: { provider_type: 'Microsoft.Compute/virtualMachines', size_attribute: 'vm_size', size_metadata_key: 'size', tags_attribute: 'tags' },
  azurerm_managed_disk: { provider_type: 'Microsoft.Compute/disks', size_attribute: 'storage_account_type', size_metadata_key: 'sku', tags_attribute: 'tags' },
  azurerm_snapshot: { provider_type: 'Microsoft.Compute/snapshots', size_attribute: null, tags_attribute: 'tags' },
  azurerm_public_ip: { provider_type: 'Microsoft.Network/publicIPAddresses', size_attribute: 'sku', tags_attribute: 'tags' },
  azurerm_storage_account: { provider_type: 'Microsoft.Storage/storageAccounts', size_attribute: null, tags_attribute: 'tags' },
};

/**
 * The attribute in code that an action changes on a resource of this type, so that the change is
 * made there too and does not drift from the IaC; null when the action is not one attribute
 * (a delete removes the resource block; a snapshot adds a resource).
 */
export function terraformAttributeOf(type: string, action: ActionType): string | null {
  const info = TERRAFORM_TYPES[type];
  switch (action) {
    case 'scale':
      return info?.size_attribute ?? null;
    case 'tag':
      return info?.tags_attribute ?? 'tags';
    case 'start':
    case 'stop':
      return info?.power_attribute ?? null;
    case 'delete':
    case 'snapshot':
      return null;
  }
}
