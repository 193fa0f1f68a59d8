// The gateways' TLS settings: Mozilla's "intermediate" profile (v5.7), less the DHE suites (Node
// offers them only with DH parameters, which we never set). TLS 1.2 and 1.3 only, forward-secret
// key exchange, AEAD ciphers: no CBC and no SHA-1 MACs. The client picks among these (the profile
// leaves the order to it: every suite here is strong, and a phone without AES hardware prefers
// ChaCha20). Applied to the listener and to every per-name context SNI hands out: a context made
// with defaults would bring Node's wider list back.
import type tls from 'node:tls';

const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];
const TLS12 = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
];

export const TLS_PROFILE: Pick<tls.SecureContextOptions, 'minVersion' | 'ciphers' | 'ecdhCurve' | 'honorCipherOrder'> =
  {
    minVersion: 'TLSv1.2',
    ciphers: [...TLS13, ...TLS12].join(':'),
    ecdhCurve: 'X25519:prime256v1:secp384r1',
    honorCipherOrder: false,
  };
