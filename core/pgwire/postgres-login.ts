// The engine's side of a PostgreSQL login, for the relay: it answers the server's authentication
// requests (SCRAM-SHA-256, MD5 or a plain password) with the credentials of the database's URL,
// which only the engine holds. The SCRAM exchange follows RFC 5802 / RFC 7677, the way libpq
// does it (no channel binding, the user name left to the startup message).
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { cstring, frame, int32 } from './wire-protocol.ts';

const AUTH_OK = 0;
const AUTH_CLEARTEXT = 3;
const AUTH_MD5 = 5;
const AUTH_SASL = 10;
const AUTH_SASL_CONTINUE = 11;
const AUTH_SASL_FINAL = 12;
const SCRAM = 'SCRAM-SHA-256';

export interface Credentials {
  user: string;
  password: string | undefined;
}

/** One login in progress, from the startup message to AuthenticationOk. */
export class PostgresLogin {
  private scram?: { nonce: string; clientFirstBare: string; serverSignature?: Buffer };

  constructor(private readonly credentials: Credentials) {}

  /**
   * Answers one authentication request (an 'R' message's body): the message to send back, 'ok'
   * once the server has accepted the login, or null when no answer is due (SCRAM's last step,
   * which this checks). Throws with the reason when the login cannot go on.
   */
  answer(body: Buffer): Buffer | 'ok' | null {
    const code = body.readInt32BE(0);
    switch (code) {
      case AUTH_OK:
        return 'ok';
      case AUTH_CLEARTEXT:
        return frame('p', cstring(this.password()));
      case AUTH_MD5: {
        const salt = body.subarray(4, 8);
        const inner = md5Hex(Buffer.from(this.password() + this.credentials.user, 'utf8'));
        return frame('p', cstring(`md5${md5Hex(Buffer.concat([Buffer.from(inner, 'latin1'), salt]))}`));
      }
      case AUTH_SASL:
        return this.scramStart(readCStrings(body.subarray(4)));
      case AUTH_SASL_CONTINUE:
        return this.scramContinue(body.subarray(4).toString('utf8'));
      case AUTH_SASL_FINAL:
        this.scramFinish(body.subarray(4).toString('utf8'));
        return null;
      default:
        throw new Error(
          `the server asks for an authentication method Branchyard does not speak (code ${code}); use scram-sha-256, md5 or password in pg_hba.conf`,
        );
    }
  }

  private password(): string {
    if (this.credentials.password === undefined)
      throw new Error('the server asks for a password and the URL holds none');
    return this.credentials.password;
  }

  private scramStart(mechanisms: string[]): Buffer {
    if (!mechanisms.includes(SCRAM))
      throw new Error(
        `the server offers ${mechanisms.join(', ') || 'no SASL mechanism'}, and Branchyard speaks ${SCRAM}`,
      );
    this.password();
    const nonce = randomBytes(18).toString('base64');
    const clientFirstBare = `n=*,r=${nonce}`;
    this.scram = { nonce, clientFirstBare };
    const first = Buffer.from(`n,,${clientFirstBare}`, 'utf8');
    return frame('p', Buffer.concat([cstring(SCRAM), int32(first.length), first]));
  }

  private scramContinue(serverFirst: string): Buffer {
    if (!this.scram) throw new Error('the server continued a SCRAM exchange that was not started');
    const fields = scramFields(serverFirst);
    const serverNonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (!serverNonce?.startsWith(this.scram.nonce) || serverNonce.length === this.scram.nonce.length)
      throw new Error('the server answered SCRAM with a nonce that does not extend ours');
    if (!salt || !Number.isInteger(iterations) || iterations < 1)
      throw new Error('the server answered SCRAM without a salt or an iteration count');
    const salted = pbkdf2Sync(this.password(), Buffer.from(salt, 'base64'), iterations, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = createHash('sha256').update(clientKey).digest();
    const clientFinalWithoutProof = `c=biws,r=${serverNonce}`;
    const authMessage = `${this.scram.clientFirstBare},${serverFirst},${clientFinalWithoutProof}`;
    const signature = hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ signature[i]!;
    this.scram.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return frame('p', Buffer.from(`${clientFinalWithoutProof},p=${proof.toString('base64')}`, 'utf8'));
  }

  private scramFinish(serverFinal: string): void {
    const expected = this.scram?.serverSignature;
    const given = Buffer.from(scramFields(serverFinal).get('v') ?? '', 'base64');
    // The server proves it knows the password too: a server that cannot is not the database.
    if (!expected || given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new Error('the server could not prove it knows the password (SCRAM server signature does not match)');
  }
}

function hmac(key: Buffer, text: string): Buffer {
  return createHmac('sha256', key).update(text, 'utf8').digest();
}

function md5Hex(data: Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

function readCStrings(data: Buffer): string[] {
  return data
    .toString('utf8')
    .split('\0')
    .filter((s) => s.length > 0);
}

function scramFields(message: string): Map<string, string> {
  return new Map(message.split(',').map((part) => [part.slice(0, 1), part.slice(2)] as [string, string]));
}
