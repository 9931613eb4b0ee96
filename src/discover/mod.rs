//! Discovery: the deployable services of a repository — workspace packages
//! (npm, Yarn, pnpm, Bun, Nx, Lerna, Rush, Cargo, Go) and Dockerfiles — with
//! how each builds, the ports it exposes and its internal dependencies.

pub mod dockerfile;
