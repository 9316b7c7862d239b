import { bootstrapApplication } from '@angular/platform-browser';
import { appConfig } from './app/app.config';
import { PeersComponent } from './app/peers.component';

bootstrapApplication(PeersComponent, appConfig).catch((error: unknown) => console.error(error));
