import { createApp } from 'vue';
import App from './App.vue';
import { createApi } from './api';
import { API_KEY } from './composables/useApi';
import './styles.css';

const app = createApp(App);
app.provide(API_KEY, createApi());
app.mount('#app');
