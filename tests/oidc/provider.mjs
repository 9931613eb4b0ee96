// A real OpenID Connect provider for the tests: `oidc-provider` (the
// certified implementation by panva), on loopback, port chosen by the
// system. It issues JWT access tokens by the client-credentials grant
// (what a CI job would use) signed RS256 for resource `urn:mirage` and
// ES256 for `urn:mirage-es`, and serves its discovery document and JWKS.
// Prints `READY <issuer>` on stdout once listening. Installed by `.ci/run`
// (`npm ci` in this directory); tests skip with a message without it.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const jwk = (type, options, kid, alg) => {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
};
const keys = [
  jwk('rsa', { modulusLength: 2048 }, 'rsa-1', 'RS256'),
  jwk('ec', { namedCurve: 'P-256' }, 'ec-1', 'ES256'),
];

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: 'mirage-ci',
        client_secret: 'not-a-real-secret-but-long-enough-0123456789',
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    jwks: { keys },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => 'urn:mirage',
        useGrantedResource: () => true,
        getResourceServerInfo: (ctx, resource) => ({
          scope: 'api',
          audience: resource,
          accessTokenTTL: Number(process.env.TOKEN_TTL || 300),
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: resource === 'urn:mirage-es' ? 'ES256' : 'RS256' } },
        }),
      },
    },
  });
  server.on('request', provider.callback());
  process.stdout.write(`READY ${issuer}\n`);
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
