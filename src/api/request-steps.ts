/**
 * The steps every request goes through, of several parts of the app: on its way in (the request's
 * stamp, the request log's entry, the drain and the control plane's limit, the access guard), once
 * its body is parsed (an empty body made `{}`, the emulator's faults and limit, leniency) and as
 * its answer goes out (the request log, the metrics). Each part adds its steps here instead of
 * a Fastify hook of its own, and one hook per phase runs them in the order they were added:
 * Fastify's hook runner costs a call and a check per hook and request, a loop over the steps less.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** A step on the way in; true when it answered the request, and the steps after it do not run. */
export type RequestStep = (request: FastifyRequest, reply: FastifyReply) => boolean;
/**
 * A step once the body is parsed, before it is checked: true when it answered the request, false
 * to go on, or a promise of either when it must wait (an injected fault's delay).
 */
export type ValidationStep = (request: FastifyRequest, reply: FastifyReply) => boolean | Promise<boolean>;
/** A step as the answer goes out: the payload to send on (the one it was given, unless it makes another). */
export type SendStep = (request: FastifyRequest, reply: FastifyReply, payload: unknown) => unknown;

export class RequestSteps {
  private readonly requestSteps: RequestStep[] = [];
  private readonly validationSteps: ValidationStep[] = [];
  private readonly sendSteps: SendStep[] = [];

  onRequest(step: RequestStep): void {
    this.requestSteps.push(step);
  }

  preValidation(step: ValidationStep): void {
    this.validationSteps.push(step);
  }

  onSend(step: SendStep): void {
    this.sendSteps.push(step);
  }

  /** The three hooks that run the steps, added where the parts' own hooks would have been. */
  install(app: FastifyInstance): void {
    const requestSteps = this.requestSteps;
    const validationSteps = this.validationSteps;
    const sendSteps = this.sendSteps;
    // Callback form: no promise per request.
    app.addHook('onRequest', (request, reply, done) => {
      for (let i = 0; i < requestSteps.length; i++) if ((requestSteps[i] as RequestStep)(request, reply)) return;
      done();
    });
    // From step `first` on; a step that waits goes on from the next one when it is done.
    const validate = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void, first: number): void => {
      for (let i = first; i < validationSteps.length; i++) {
        let answered: boolean | Promise<boolean>;
        try {
          answered = (validationSteps[i] as ValidationStep)(request, reply);
        } catch (error) {
          return done(error as Error);
        }
        if (answered === true) return;
        if (answered !== false) {
          answered.then(
            (sent) => {
              if (!sent) validate(request, reply, done, i + 1);
            },
            (error: Error) => done(error),
          );
          return;
        }
      }
      done();
    };
    app.addHook('preValidation', (request, reply, done) => validate(request, reply, done, 0));
    app.addHook('onSend', (request, reply, payload, done) => {
      let sent: unknown = payload;
      for (let i = 0; i < sendSteps.length; i++) sent = (sendSteps[i] as SendStep)(request, reply, sent);
      done(null, sent);
    });
  }
}
