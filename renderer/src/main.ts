import { mount } from 'svelte';
import App from './App.svelte';
import { createClient } from './lib/client.ts';

mount(App, { target: document.getElementById('app')!, props: { client: createClient() } });
