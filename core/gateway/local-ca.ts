// The workspace's certificate authority: made once, its key kept in the engine's private folder
// (mode 0600, ignored by git), and used to issue each gateway's server certificates on demand.
// ECDSA P-256 keeps issuing a certificate to a few milliseconds, so names are signed when a
// client first asks for them instead of all at start.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as x509 from '@peculiar/x509';
import { withFileLock } from '../locks/index.ts';
import type { WorkspacePaths } from '../workspace/index.ts';

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;
/** Browsers refuse server certificates valid for longer than 398 days. */
const LEAF_DAYS = 397;
const CA_DAYS = 3650;

export interface CaFiles {
  dir: string;
  certificate: string;
  key: string;
}

export function caFiles(paths: WorkspacePaths): CaFiles {
  const dir = path.join(paths.engineDir, 'ca');
  return { dir, certificate: path.join(dir, 'ca.crt'), key: path.join(dir, 'ca.key') };
}

export interface IssuedCertificate {
  cert: string;
  key: string;
  notAfter: Date;
}

export class LocalCa {
  private constructor(
    readonly files: CaFiles,
    readonly certificatePem: string,
    private readonly certificate: x509.X509Certificate,
    private readonly signingKey: CryptoKey,
    /** One key for every leaf this process issues: names differ, the key need not. */
    private readonly leafKeys: Promise<{ keys: CryptoKeyPair; pem: string }>,
  ) {}

  /** The workspace's CA, made on first use. Safe when several processes open it at once. */
  static async open(paths: WorkspacePaths, workspaceName: string): Promise<LocalCa> {
    // Set here, not when this module loads: every use of x509 goes through an open CA, and a
    // command that never opens one (most of the CLI's) then does not evaluate the package.
    x509.cryptoProvider.set(webcrypto as unknown as Crypto);
    const files = caFiles(paths);
    await mkdir(files.dir, { recursive: true, mode: 0o700 });
    const existing = await readPair(files);
    const pair =
      existing ??
      (await withFileLock(
        path.join(files.dir, 'ca.lock'),
        { what: `the certificate authority at ${files.dir}`, waitMs: 10_000 },
        async () => {
          return (await readPair(files)) ?? (await createCa(files, workspaceName));
        },
      ));
    // Tighten what an older version or a copy may have left looser.
    await chmod(files.key, 0o600);
    const signingKey = await webcrypto.subtle.importKey('pkcs8', pemBody(pair.key), ALGORITHM, false, ['sign']);
    return new LocalCa(files, pair.cert, new x509.X509Certificate(pair.cert), signingKey as CryptoKey, newLeafKeys());
  }

  /** A server certificate for `names` (DNS names or IP addresses), signed by this CA. */
  async issue(names: string[]): Promise<IssuedCertificate> {
    const leaf = await this.leafKeys;
    const notBefore = new Date(Date.now() - DAY);
    const notAfter = new Date(Date.now() + LEAF_DAYS * DAY);
    const certificate = await x509.X509CertificateGenerator.create({
      subject: [{ CN: [names[0] ?? 'branchyard'] }],
      issuer: this.certificate.subject,
      publicKey: leaf.keys.publicKey,
      signingKey: this.signingKey,
      signingAlgorithm: ALGORITHM,
      notBefore,
      notAfter,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension(
          names.map((value) => ({ type: /^[\d.]+$|:/.test(value) ? ('ip' as const) : ('dns' as const), value })),
        ),
        await x509.AuthorityKeyIdentifierExtension.create(this.certificate.publicKey),
      ],
    });
    return { cert: `${certificate.toString('pem')}\n${this.certificatePem}`, key: leaf.pem, notAfter };
  }
}

async function readPair(files: CaFiles): Promise<{ cert: string; key: string } | undefined> {
  try {
    return { cert: await readFile(files.certificate, 'utf8'), key: await readFile(files.key, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function createCa(files: CaFiles, workspaceName: string): Promise<{ cert: string; key: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ CN: [`Branchyard local CA (${workspaceName})`] }, { O: ['Branchyard'] }],
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - DAY),
    notAfter: new Date(Date.now() + CA_DAYS * DAY),
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pair = {
    cert: certificate.toString('pem'),
    key: toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
  };
  // The key is written under a temporary name with 0600 from the start, then both are renamed
  // into place, the certificate last: a CA with a certificate always has its key.
  const suffix = `.${process.pid}.tmp`;
  try {
    await writeFile(files.key + suffix, pair.key, { mode: 0o600, flag: 'wx' });
    await writeFile(files.certificate + suffix, pair.cert, { mode: 0o644, flag: 'wx' });
    await rename(files.key + suffix, files.key);
    await rename(files.certificate + suffix, files.certificate);
  } finally {
    await rm(files.key + suffix, { force: true });
    await rm(files.certificate + suffix, { force: true });
  }
  return pair;
}

async function newLeafKeys(): Promise<{ keys: CryptoKeyPair; pem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { keys, pem: toPem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${base64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function pemBody(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
