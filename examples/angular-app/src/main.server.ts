import { bootstrapApplication, type BootstrapContext } from '@angular/platform-browser';
import { config } from './app/app.config.server';
import { PeersComponent } from './app/peers.component';

const bootstrap = (context: BootstrapContext) => bootstrapApplication(PeersComponent, config, context);

export default bootstrap;
