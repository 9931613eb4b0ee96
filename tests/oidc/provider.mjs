// A real OpenID Connect provider for the tests: `oidc-provider` (the
// certified implementation by panva), on loopback, port chosen by the
// system. It issues JWT access tokens by the client-credentials grant
// (what a CI job would use) signed RS256 for resource `urn:mirage` and
// ES256 for `urn:mirage-es`, and serves its discovery document and JWKS.
// For serve's browser sign-in (tests/integration/signin.rs) it also runs
// the authorization code flow with PKCE for a confidential client
// (`mirage-web`, `client_secret_post`) and a public one (`mirage-spa`),
// both redirecting to `https://mirage.example.test/auth/callback`, with
// its development login and consent pages (any login, any password; the
// account `alice` has email `alice@example.com` and name `Alice Example`).
// With `BROWSER_REDIRECT_URI` set, also `mirage-browser` (confidential,
// the same secret as `mirage-web`) redirecting there.
// Prints `READY <issuer>` on stdout once listening. Installed by `.ci/run`
// (`npm ci` in this directory); tests skip with a message without it.
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

// Only `READY` goes to standard output (the test stops reading it after
// that line, so a later write would fail with EPIPE and kill the
// provider): everything else (the development interactions' logs) to
// standard error.
console.log = console.info = console.debug = (...args) => console.error(...args);
process.stdout.on('error', () => {});

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
      {
        client_id: 'mirage-web',
        client_secret: 'web-secret-not-real-but-long-enough-0123456789',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://mirage.example.test/auth/callback'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      {
        client_id: 'mirage-spa',
        grant_types: ['authorization_code'],
        redirect_uris: ['https://mirage.example.test/auth/callback'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      // For the dashboard's tests in a real browser
      // (tests/integration/web_browser.rs): the service listens on a
      // loopback port known only at run time, so its redirect URI comes
      // from the environment.
      ...(process.env.BROWSER_REDIRECT_URI
        ? [{
            client_id: 'mirage-browser',
            client_secret: 'web-secret-not-real-but-long-enough-0123456789',
            grant_types: ['authorization_code'],
            redirect_uris: [process.env.BROWSER_REDIRECT_URI],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_post',
          }]
        : []),
    ],
    findAccount: (ctx, id) => ({
      accountId: id,
      claims: () => ({
        sub: id,
        email: `${id}@example.com`,
        email_verified: true,
        name: id.charAt(0).toUpperCase() + id.slice(1) + ' Example',
      }),
    }),
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // The scopes' claims in the ID token itself, as Clerk, Auth0, Okta
    // and Google put them.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    jwks: { keys },
    features: {
      devInteractions: { enabled: true },
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
