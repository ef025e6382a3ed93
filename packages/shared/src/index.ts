export * from './errors.ts'
export * from './headers.ts'
export * from './schemas.ts'
export * from './http.ts'
