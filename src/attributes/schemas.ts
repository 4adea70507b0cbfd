import type { ObjectTypes } from './cel.js';

// The predicate schemas `cairn layout check` types attribute rules against, so that a field
// name spelt wrong is found when the layout is written. Each is the predicate's JSON form as
// its specification defines it; objects the specification leaves open (SLSA's
// externalParameters, annotations) are map<string, dyn>, where any field is allowed. JSON
// numbers are `dyn`: at run time they are doubles (as in protobuf's Struct, which the
// prototype evaluates over), and a checker typing them `double` would refuse `x == 1`.
// Timestamps are strings in JSON: rules compare `timestamp(x)`. Types are listed leaves first
// (the engine resolves a field's type when its object type is registered).
// Sources: SLSA provenance v1 https://slsa.dev/spec/v1.0/provenance; SPDX 2.3 JSON schema
// https://github.com/spdx/spdx-spec/blob/support/2.3.1/schemas/spdx-schema.json; CycloneDX
// 1.5 JSON schema https://cyclonedx.org/docs/1.5/json/; in-toto test-result v0.1, vulns v0.1
// and link v0.3 https://github.com/in-toto/attestation/tree/main/spec/predicates.

const DYN_MAP = 'map<string, dyn>';
const STRINGS = 'list<string>';

/** in-toto ResourceDescriptor (subject entries, SLSA dependencies, link materials). */
const RESOURCE_DESCRIPTOR = {
  ResourceDescriptor: { name: 'string', uri: 'string', digest: 'map<string, string>', content: 'string', downloadLocation: 'string', mediaType: 'string', annotations: DYN_MAP },
};

const SLSA_V1: ObjectTypes = {
  SlsaBuildMetadata: { invocationId: 'string', startedOn: 'string', finishedOn: 'string' },
  SlsaBuilder: { id: 'string', version: 'map<string, string>', builderDependencies: 'list<ResourceDescriptor>' },
  SlsaRunDetails: { builder: 'SlsaBuilder', metadata: 'SlsaBuildMetadata', byproducts: 'list<ResourceDescriptor>' },
  SlsaBuildDefinition: { buildType: 'string', externalParameters: DYN_MAP, internalParameters: DYN_MAP, resolvedDependencies: 'list<ResourceDescriptor>' },
  SlsaProvenanceV1: { buildDefinition: 'SlsaBuildDefinition', runDetails: 'SlsaRunDetails' },
};

const SPDX_CHECKSUM = { algorithm: 'string', checksumValue: 'string' };
const SPDX_ANNOTATION = { annotationDate: 'string', annotationType: 'string', annotator: 'string', comment: 'string' };
const SPDX_23: ObjectTypes = {
  SpdxChecksum: SPDX_CHECKSUM,
  SpdxAnnotation: SPDX_ANNOTATION,
  SpdxCreationInfo: { comment: 'string', created: 'string', creators: STRINGS, licenseListVersion: 'string' },
  SpdxExternalRef: { comment: 'string', referenceCategory: 'string', referenceLocator: 'string', referenceType: 'string' },
  SpdxExternalDocumentRef: { checksum: 'SpdxChecksum', externalDocumentId: 'string', spdxDocument: 'string' },
  SpdxExtractedLicensingInfo: { comment: 'string', crossRefs: 'list<dyn>', extractedText: 'string', licenseId: 'string', name: 'string', seeAlsos: STRINGS },
  SpdxPackageVerificationCode: { packageVerificationCodeExcludedFiles: STRINGS, packageVerificationCodeValue: 'string' },
  SpdxPackage: {
    SPDXID: 'string', annotations: 'list<SpdxAnnotation>', attributionTexts: STRINGS, builtDate: 'string', checksums: 'list<SpdxChecksum>',
    comment: 'string', copyrightText: 'string', description: 'string', downloadLocation: 'string', externalRefs: 'list<SpdxExternalRef>',
    filesAnalyzed: 'bool', hasFiles: STRINGS, homepage: 'string', licenseComments: 'string', licenseConcluded: 'string',
    licenseDeclared: 'string', licenseInfoFromFiles: STRINGS, name: 'string', originator: 'string', packageFileName: 'string',
    packageVerificationCode: 'SpdxPackageVerificationCode', primaryPackagePurpose: 'string', releaseDate: 'string', sourceInfo: 'string',
    summary: 'string', supplier: 'string', validUntilDate: 'string', versionInfo: 'string',
  },
  SpdxFile: {
    SPDXID: 'string', annotations: 'list<SpdxAnnotation>', artifactOfs: 'list<dyn>', attributionTexts: STRINGS, checksums: 'list<SpdxChecksum>',
    comment: 'string', copyrightText: 'string', fileContributors: STRINGS, fileDependencies: STRINGS, fileName: 'string', fileTypes: STRINGS,
    licenseComments: 'string', licenseConcluded: 'string', licenseInfoInFiles: STRINGS, noticeText: 'string',
  },
  SpdxSnippet: {
    SPDXID: 'string', annotations: 'list<SpdxAnnotation>', attributionTexts: STRINGS, comment: 'string', copyrightText: 'string',
    licenseComments: 'string', licenseConcluded: 'string', licenseInfoInSnippets: STRINGS, name: 'string', ranges: 'list<dyn>', snippetFromFile: 'string',
  },
  SpdxRelationship: { comment: 'string', relatedSpdxElement: 'string', relationshipType: 'string', spdxElementId: 'string' },
  SpdxDocument23: {
    $schema: 'string', SPDXID: 'string', annotations: 'list<SpdxAnnotation>', comment: 'string', creationInfo: 'SpdxCreationInfo',
    dataLicense: 'string', documentDescribes: STRINGS, documentNamespace: 'string', externalDocumentRefs: 'list<SpdxExternalDocumentRef>',
    files: 'list<SpdxFile>', hasExtractedLicensingInfos: 'list<SpdxExtractedLicensingInfo>', name: 'string', packages: 'list<SpdxPackage>',
    relationships: 'list<SpdxRelationship>', revieweds: 'list<dyn>', snippets: 'list<SpdxSnippet>', spdxVersion: 'string',
  },
};

const CDX_15: ObjectTypes = {
  CdxHash: { alg: 'string', content: 'string' },
  CdxAttachment: { contentType: 'string', encoding: 'string', content: 'string' },
  CdxProperty: { name: 'string', value: 'string' },
  CdxContact: { 'bom-ref': 'string', name: 'string', email: 'string', phone: 'string' },
  CdxOrganization: { 'bom-ref': 'string', name: 'string', url: STRINGS, contact: 'list<CdxContact>' },
  CdxExternalReference: { url: 'string', comment: 'string', type: 'string', hashes: 'list<CdxHash>' },
  CdxLicense: { 'bom-ref': 'string', id: 'string', name: 'string', text: 'CdxAttachment', url: 'string', licensing: DYN_MAP, properties: 'list<CdxProperty>' },
  CdxLicenseChoice: { license: 'CdxLicense', expression: 'string', 'bom-ref': 'string' },
  CdxComponent: {
    type: 'string', 'mime-type': 'string', 'bom-ref': 'string', supplier: 'CdxOrganization', author: 'string', publisher: 'string', group: 'string',
    name: 'string', version: 'string', description: 'string', scope: 'string', hashes: 'list<CdxHash>', licenses: 'list<CdxLicenseChoice>',
    copyright: 'string', cpe: 'string', purl: 'string', swid: DYN_MAP, modified: 'bool', pedigree: DYN_MAP,
    externalReferences: 'list<CdxExternalReference>', properties: 'list<CdxProperty>', components: 'list<CdxComponent>', evidence: DYN_MAP,
    releaseNotes: DYN_MAP, modelCard: DYN_MAP, data: 'list<dyn>', signature: 'dyn',
  },
  CdxTool: { vendor: 'string', name: 'string', version: 'string', hashes: 'list<CdxHash>', externalReferences: 'list<CdxExternalReference>' },
  CdxMetadata: {
    timestamp: 'string', lifecycles: 'list<dyn>', tools: 'dyn', authors: 'list<CdxContact>', component: 'CdxComponent',
    manufacture: 'CdxOrganization', supplier: 'CdxOrganization', licenses: 'list<CdxLicenseChoice>', properties: 'list<CdxProperty>',
  },
  CdxDependency: { ref: 'string', dependsOn: STRINGS },
  CdxRating: { source: DYN_MAP, score: 'dyn', severity: 'string', method: 'string', vector: 'string', justification: 'string' },
  CdxVulnerability: {
    'bom-ref': 'string', id: 'string', source: DYN_MAP, references: 'list<dyn>', ratings: 'list<CdxRating>', cwes: 'list<dyn>',
    description: 'string', detail: 'string', recommendation: 'string', workaround: 'string', proofOfConcept: DYN_MAP, advisories: 'list<dyn>',
    created: 'string', published: 'string', updated: 'string', rejected: 'string', credits: DYN_MAP, tools: 'dyn', analysis: DYN_MAP,
    affects: 'list<dyn>', properties: 'list<CdxProperty>',
  },
  CycloneDxBom15: {
    $schema: 'string', bomFormat: 'string', specVersion: 'string', serialNumber: 'string', version: 'dyn', metadata: 'CdxMetadata',
    components: 'list<CdxComponent>', services: 'list<dyn>', externalReferences: 'list<CdxExternalReference>', dependencies: 'list<CdxDependency>',
    compositions: 'list<dyn>', properties: 'list<CdxProperty>', vulnerabilities: 'list<CdxVulnerability>', annotations: 'list<dyn>',
    formulation: 'list<dyn>', signature: 'dyn',
  },
};

const TEST_RESULT_V01: ObjectTypes = {
  TestResultV01: { result: 'string', configuration: 'list<ResourceDescriptor>', url: 'string', passedTests: STRINGS, warnedTests: STRINGS, failedTests: STRINGS },
};

const VULNS_V01: ObjectTypes = {
  VulnSeverity: { method: 'string', score: 'string' },
  Vulnerability: { id: 'string', severity: 'list<VulnSeverity>', annotations: 'list<dyn>' },
  VulnDatabase: { uri: 'string', version: 'string', lastUpdate: 'string' },
  VulnScanner: { uri: 'string', version: 'string', db: 'VulnDatabase', result: 'list<Vulnerability>' },
  VulnScanMetadata: { scanStartedOn: 'string', scanFinishedOn: 'string' },
  VulnsV01: { invocation: DYN_MAP, scanner: 'VulnScanner', metadata: 'VulnScanMetadata' },
};

const LINK_V03: ObjectTypes = {
  LinkV03: { name: 'string', command: STRINGS, materials: 'list<ResourceDescriptor>', byproducts: DYN_MAP, environment: DYN_MAP },
};

/** A predicate schema: the object types it needs, and the type of `predicate`. */
export interface PredicateSchema {
  readonly types: ObjectTypes;
  readonly root: string;
}

const schema = (types: ObjectTypes, root: string): PredicateSchema => ({ types: { ...RESOURCE_DESCRIPTOR, ...types }, root });

/** The in-toto link predicate, which a step without expected_predicate_type is checked against. */
export const LINK_SCHEMA = schema(LINK_V03, 'LinkV03');

/** Known predicate types (and their unversioned names, where the document carries its version). */
export const PREDICATE_SCHEMAS: Readonly<Record<string, PredicateSchema>> = {
  'https://slsa.dev/provenance/v1': schema(SLSA_V1, 'SlsaProvenanceV1'),
  'https://spdx.dev/Document': schema(SPDX_23, 'SpdxDocument23'),
  'https://spdx.dev/Document/v2.3': schema(SPDX_23, 'SpdxDocument23'),
  'https://cyclonedx.org/bom': schema(CDX_15, 'CycloneDxBom15'),
  'https://cyclonedx.org/bom/v1.5': schema(CDX_15, 'CycloneDxBom15'),
  'https://in-toto.io/attestation/test-result/v0.1': schema(TEST_RESULT_V01, 'TestResultV01'),
  'https://in-toto.io/attestation/vulns/v0.1': schema(VULNS_V01, 'VulnsV01'),
  'https://in-toto.io/attestation/link/v0.3': LINK_SCHEMA,
};
