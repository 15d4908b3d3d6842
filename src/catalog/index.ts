export { builtinClients } from './clients';
export type { ClientKind, InstanceFactory, LimitScope, ServerLimit } from './clients';
export { CatalogConfigError, mergeClients, parseUserClient } from './user-clients';
export type { UserClientSpec } from './user-clients';
export { clientForModule, clientsForPort, describeLimit } from './lookup';
