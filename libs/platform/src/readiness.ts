/**
 * A dependency a service needs before it is ready; `check` rejects with the reason when it is not. List the
 * class in `PlatformModule.forRoot({ readiness: [X] })` and in your module's providers.
 */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}
