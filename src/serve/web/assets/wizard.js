// The new-environment wizard (src/serve/web/wizard.rs): validation as
// you type, services kept consistent with their dependencies, live
// progress of the create. Filled in by the wizard's pages.
"use strict";
