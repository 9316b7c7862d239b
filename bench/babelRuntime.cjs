// The @babel/runtime helpers that rtcpool 3.0.2's published build requires. The package does
// not declare @babel/runtime as a dependency (npm never installs it), so the benchmark page
// bundles these small equivalents in its place (bench/browser.ts maps every
// `@babel/runtime/...` import here). Only what 3.0.2 uses, with the semantics Babel's own have.

function interopRequireDefault(obj) {
  return obj && obj.__esModule ? obj : { default: obj };
}

function classCallCheck(instance, Constructor) {
  if (!(instance instanceof Constructor)) throw new TypeError('Cannot call a class as a function');
}

function createClass(Constructor, protoProps, staticProps) {
  const define = (target, props) => {
    for (const descriptor of props) {
      descriptor.enumerable = descriptor.enumerable || false;
      descriptor.configurable = true;
      if ('value' in descriptor) descriptor.writable = true;
      Object.defineProperty(target, descriptor.key, descriptor);
    }
  };
  if (protoProps) define(Constructor.prototype, protoProps);
  if (staticProps) define(Constructor, staticProps);
  Object.defineProperty(Constructor, 'prototype', { writable: false });
  return Constructor;
}

function defineProperty(obj, key, value) {
  Object.defineProperty(obj, key, { value, enumerable: true, configurable: true, writable: true });
  return obj;
}

function classPrivateFieldGet(receiver, privateMap) {
  if (!privateMap.has(receiver)) throw new TypeError('attempted to get private field on non-instance');
  const descriptor = privateMap.get(receiver);
  return descriptor.get ? descriptor.get.call(receiver) : descriptor.value;
}

function classPrivateFieldSet(receiver, privateMap, value) {
  if (!privateMap.has(receiver)) throw new TypeError('attempted to set private field on non-instance');
  const descriptor = privateMap.get(receiver);
  if (descriptor.set) descriptor.set.call(receiver, value);
  else descriptor.value = value;
  return value;
}

const getPrototypeOf = (o) => Object.getPrototypeOf(o);

function inherits(subClass, superClass) {
  subClass.prototype = Object.create(superClass && superClass.prototype, {
    constructor: { value: subClass, writable: true, configurable: true },
  });
  Object.defineProperty(subClass, 'prototype', { writable: false });
  if (superClass) Object.setPrototypeOf(subClass, superClass);
}

function assertThisInitialized(self) {
  if (self === undefined) throw new ReferenceError("this hasn't been initialised - super() hasn't been called");
  return self;
}

function possibleConstructorReturn(self, call) {
  if (call && (typeof call === 'object' || typeof call === 'function')) return call;
  return assertThisInitialized(self);
}

/** Lets a compiled ES5 class extend a native class (EventTarget): construct through Reflect. */
function wrapNativeSuper(Class) {
  function Wrapper() {
    return Reflect.construct(Class, arguments, Object.getPrototypeOf(this).constructor);
  }
  Wrapper.prototype = Object.create(Class.prototype, {
    constructor: { value: Wrapper, enumerable: false, writable: true, configurable: true },
  });
  return Object.setPrototypeOf(Wrapper, Class);
}

function asyncToGenerator(fn) {
  return function (...args) {
    const gen = fn.apply(this, args);
    return new Promise((resolve, reject) => {
      const step = (method, arg) => {
        let info;
        try {
          info = gen[method](arg);
        } catch (error) {
          reject(error);
          return;
        }
        if (info.done) resolve(info.value);
        else Promise.resolve(info.value).then((value) => step('next', value), (error) => step('throw', error));
      };
      step('next', undefined);
    });
  };
}

/**
 * The regenerator runtime, for the state machines Babel compiles async functions to: the inner
 * function runs from `context.next`; a plain return is a yield, `stop()` and `abrupt('return')`
 * end it, and a throw inside a try region (`tryLocsList`: [tryLoc, catchLoc]) resumes at its
 * catch with the error kept for `context.catch(loc)`.
 */
const regenerator = {
  mark: (genFun) => genFun,
  wrap(innerFn, _outerFn, self, tryLocsList = []) {
    let done = false;
    let caught;
    const context = {
      prev: 0,
      next: 0,
      sent: undefined,
      stop() {
        done = true;
        return context.rval;
      },
      abrupt(type, arg) {
        if (type !== 'return') throw new Error(`regenerator shim: abrupt(${type}) is not supported`);
        done = true;
        return arg;
      },
      catch() {
        return caught;
      },
    };
    const handle = (error) => {
      const entry = tryLocsList.find(([tryLoc, catchLoc]) => tryLoc <= context.prev && context.prev < catchLoc);
      if (!entry) {
        done = true;
        throw error;
      }
      caught = error;
      context.next = entry[1];
    };
    const resume = (mode, arg) => {
      if (done) return { value: undefined, done: true };
      if (mode === 'throw') handle(arg);
      else context.sent = arg;
      for (;;) {
        try {
          const value = innerFn.call(self, context);
          return { value, done };
        } catch (error) {
          handle(error);
        }
      }
    };
    return { next: (arg) => resume('next', arg), throw: (error) => resume('throw', error), return: (value) => ((done = true), { value, done: true }) };
  },
};

module.exports = {
  interopRequireDefault,
  classCallCheck,
  createClass,
  defineProperty,
  classPrivateFieldGet,
  classPrivateFieldSet,
  getPrototypeOf,
  inherits,
  assertThisInitialized,
  possibleConstructorReturn,
  wrapNativeSuper,
  asyncToGenerator,
  regenerator,
};
